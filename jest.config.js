/** Type checks run once in `npm test` (tsc --noEmit); jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  testTimeout: 300000,
  // npm test runs two workers; the e2e starts first and the rest run beside it (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
};
