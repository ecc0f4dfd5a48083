#!/usr/bin/env bash
# npm test: everything CI checks, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage='usage: npm test (no arguments): the pinned tools, tsc, prettier and eslint, every jest suite, and the stale-dist check; for some suites only: npx jest <pattern>, or npm run test:fast -- <pattern>'
case "${1-}" in
  '') ;;
  -h | --help) echo "$usage"; exit 0 ;;
  *) echo "test: error: npm test takes no arguments (got '$1'); $usage" >&2; exit 2 ;;
esac

mkdir -p .build

step() { printf '\n== %s (at %ss)\n' "$1" "$SECONDS"; }

step "pinned tools (verified in the per-user cache, built once per version)"
node lib/run-ts.js verify/scripts/tools.ts >/dev/null
tools_seconds=$SECONDS

step "typecheck (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json

step "format and lint (prettier --check, eslint)"
npx prettier --check --log-level warn .
npx eslint --max-warnings 0 .

step "jest"
# A failed suite still gets its time table and the stale-dist check: the report is what a red run is read by.
jest_status=0
# Two workers: most long suites wait on the processes they start, so the e2e runs beside the rest (test/sequencer.js).
npx jest --ci -w 2 --json --outputFile=.build/jest-results.json || jest_status=$?

step "dist/ matches a fresh synth"
node lib/run-ts.js main.ts --check

printf '\ntest: %ss for the pinned tools (one-time builds, cached per user afterwards), %ss for the checks\n' "$tools_seconds" "$((SECONDS - tools_seconds))"
node verify/scripts/jest-summary.js .build/jest-results.json
exit "$jest_status"
