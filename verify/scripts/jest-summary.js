#!/usr/bin/env node
// Prints each suite's time (of one or more jest --json results), slowest first (also .build/reports/suite-times.md), then the plain closing line CI reads:
// "N passed, N failed".
'use strict';
const fs = require('fs');
const path = require('path');

// One or more jest --json results (npm test runs the e2e and the other suites as two jest runs side by side).
const runs = process.argv.slice(2).map((file) => require(path.resolve(file)));
const results = {
  startTime: Math.min(...runs.map((r) => r.startTime)),
  testResults: runs.flatMap((r) => r.testResults),
  numTotalTests: runs.reduce((n, r) => n + r.numTotalTests, 0),
  numPassedTests: runs.reduce((n, r) => n + r.numPassedTests, 0),
  numFailedTests: runs.reduce((n, r) => n + r.numFailedTests, 0),
};
const suites = results.testResults
  .map((r) => ({
    name: path.relative(process.cwd(), r.name),
    seconds: (r.endTime - r.startTime) / 1000,
    tests: r.assertionResults.length,
    failed: r.assertionResults.filter((a) => a.status === 'failed').length,
  }))
  .sort((a, b) => b.seconds - a.seconds);
const wall = (Math.max(...results.testResults.map((r) => r.endTime)) - results.startTime) / 1000;
const busy = suites.reduce((sum, s) => sum + s.seconds, 0);
const table = [
  '| suite | seconds | tests |',
  '|---|---:|---:|',
  ...suites.map((s) => `| ${s.name} | ${s.seconds.toFixed(1)} | ${s.tests}${s.failed ? ` (${s.failed} failed)` : ''} |`),
  `| **${suites.length} suites** | **${busy.toFixed(1)}** (wall ${wall.toFixed(1)}) | **${results.numTotalTests}** |`,
].join('\n');
const reports = path.join(process.cwd(), '.build', 'reports');
fs.mkdirSync(reports, { recursive: true });
fs.writeFileSync(path.join(reports, 'suite-times.md'), `${table}\n`);
console.log(`\njest, each suite's time (suites that run side by side overlap; the wall time is from the first start to the last end):\n${table}`);
console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed`);
