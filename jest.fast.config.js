/**
 * npm run test:fast: the inner loop, under 20 s on 2 cores with warm caches
 * (npm run bench -- --fast measures it). Unit tests, the snapshots, config
 * validation, the render checks and the gator suites; `npm run test:fast -- <pattern>`
 * narrows it as jest does. What it leaves out, npm test still runs, every check of it:
 */
const base = require('./jest.config');

/** Suites left to npm test, and why: each starts servers, renders every chart with Helm, or starts dozens of processes. */
const FULL_SUITE_ONLY = {
  'control-plane': 'a Kubernetes control plane per run',
  e2e: 'a real Argo CD per environment',
  workflow: 'actionlint (a built tool) over every workflow',
  renovate: 'Renovate (a built tool, on Node 24) extracting every pin, twice',
  'network-policies': "Cilium's policy engine (a built tool) over every environment's Helm renders",
  'configured-connections': "Cilium's policy engine (a built tool) over every connection the Helm renders configure",
  guardrails: 'a Kubernetes control plane, and gator, for every case of every guardrail suite',
  'first-run': 'every README command in a fresh clone',
  helm: 'Helm renders of every upstream chart',
  diff: 'Helm renders of two revisions',
  'tail-sampling': 'the collector binary with live OTLP traffic',
  schemas: 'kubeconform over every object',
  imports: 'a full CRD import',
  tools: 'verifies every cached tool binary',
  images: 'Helm renders of every upstream chart',
  recipes: 'the README recipes in a temp copy',
  'cdk8s-cli': 'the real cdk8s CLI, four times, in a temp copy',
  scan: 'checkov (Python) and kube-score over every environment',
  'observability-engines': 'promtool rule tests and amtool over every environment',
  'automatic-rollback': 'the real Alertmanager, twice, through its rendered group_wait (30 s), and synth in a clone',
  'synth-processes': 'synth as a process: bad input, --check, kills (about 40 processes)',
  'bad-input': 'every command as a process with bad input (22 processes)',
  fleet: 'one Argo CD with its ApplicationSet controller and three control planes (about 4 minutes)',
  promotion: 'synth and npm run promote as processes in a committed clone (about 20 processes)',
  'hubble-metrics': "Helm's Cilium render, Hubble's handlers (a built tool) and two Prometheus scrapes",
  'telemetry-names': 'two Prometheus servers, two collectors and the Go module proxy (about 20 s)',
  'rollback-git': 'npm run rollback in committed clones against bare remotes with refusing and racing hooks (about 15 clones)',
  'rollback-receiver-hostile': 'the rollback receiver on loopback under 280 hostile requests, with the real rollback in a clone',
  bootstrap: 'setup.sh, verify.sh and teardown.sh with recording stubs, and shellcheck',
};

module.exports = {
  ...base,
  testPathIgnorePatterns: ['/node_modules/', ...Object.keys(FULL_SUITE_ONLY).map((name) => `/${name.replace(/-/g, '\\-')}\\.test\\.ts$`)],
};
