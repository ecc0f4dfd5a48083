#!/usr/bin/env node
// Prints jest's result as the plain closing line CI reads: "N passed, N failed".
'use strict';
const results = require(require('path').resolve(process.argv[2]));
console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed`);
