/**
 * npm test runs two jest workers (verify/scripts/test.sh). The e2e is most of the checks' time and mostly waits on
 * Argo CD and the API server, so it starts first and the other worker runs every other suite beside it; the rest keep
 * jest's own order (failed first, then the longest by the last run's times).
 */
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['e2e.test.ts'];
const rank = (test) => {
  const i = FIRST.findIndex((name) => test.path.endsWith(`/${name}`));
  return i < 0 ? FIRST.length : i;
};

class LongestWaitFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestWaitFirst;
