/** The project's name: the `app.kubernetes.io/part-of` label of everything we render, and the name of its tool cache. */
export const PROJECT_NAME = 'kind-parity-platform';
