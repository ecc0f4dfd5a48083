/**
 * npm run test:fast: the inner loop. Unit tests, snapshots and the quick engine
 * checks (gator, promtool, amtool, kube-score); without the suites that start
 * servers or render every chart (control plane, Argo CD, Helm, the collector,
 * kubeconform over every object, the README recipes in a temp copy), which npm test runs.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testPathIgnorePatterns: [
    '/node_modules/',
    '/control-plane\\.',
    '/e2e\\.',
    '/helm\\.',
    '/diff\\.',
    '/tail-sampling\\.',
    '/schemas\\.',
    '/imports\\.',
    '/tools\\.',
    '/images\\.',
    '/recipes\\.',
  ],
};
