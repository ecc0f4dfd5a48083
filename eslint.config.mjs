// ESLint with the TypeScript rules (typescript-eslint's recommended set). Prettier
// decides layout, so there are no style rules here. `npm test` runs both.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['imports/', 'dist/', 'node_modules/', '.build/', '.hydrated/', '.tools/', 'verify/tools/go/', '__snapshots__/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // The CommonJS entry points Node runs as they are (run-ts.js, the watchdog, jest's configs).
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // What the engines answer (API server, Argo CD, Helm, gator JSON) and arbitrary rendered
    // manifests are untyped by nature; the render code itself stays free of `any`.
    files: ['test/**/*.ts', 'verify/engines/**/*.ts', 'verify/checks/references.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
