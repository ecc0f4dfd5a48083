#!/usr/bin/env node
// Prints each suite's time, slowest first (also .build/reports/suite-times.md), then the plain closing line CI reads:
// "N passed, N failed".
'use strict';
const fs = require('fs');
const path = require('path');

const results = require(path.resolve(process.argv[2]));
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
console.log(`\njest, each suite's time (suites that run side by side overlap; the wall time is jest's own):\n${table}`);
console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed`);
