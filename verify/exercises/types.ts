/**
 * A seed exercise as data: the seed's steps, each with the outcome the seed
 * says its reader sees, and what decides that outcome. `npm run exercise`
 * runs them against any cluster through kubectl and helm.
 */

/** What decides a step's outcome. */
export type Judge = 'API server' | 'Gatekeeper' | 'Argo CD' | 'Helm' | 'a dataplane';

export interface Step {
  /** What the seed says the reader sees, in a line. */
  readonly says: string;
  /** The command: kubectl, helm or curl and its arguments; `${NAME}` is a parameter. */
  readonly run: readonly string[];
  /** A manifest given on stdin (`-f -`), as the seed's heredocs do. */
  readonly stdin?: object;
  /** `either`: exits 0, or fails with `output` (seed 8-1: early pods fit the quota, later ones do not). */
  readonly expect: 'succeeds' | 'fails' | 'either';
  /** Must appear in what the command printed (stdout and stderr). */
  readonly output?: RegExp;
  /** Must not appear in it. */
  readonly absent?: RegExp;
  /** Ask again for up to this many seconds until the expectation holds (a controller acts, not the command). */
  readonly within?: number;
  /** Seconds to wait before the command (a hand edit that must stay while paused). */
  readonly after?: number;
  /** Keep the first line of its output as a parameter (the seed's `X=$(kubectl ... | head -1)`). */
  readonly capture?: string;
  readonly judge: Judge;
  /** Runs even after a step failed: the seed's clean-up, and resuming what was paused. */
  readonly cleanup?: boolean;
}

export interface Exercise {
  /** The seed's number: `2-1`, or `14` for the troubleshooting checks. */
  readonly id: string;
  readonly title: string;
  /** Where it runs: the lab environments whose `setup.sh` flags give the seed's lab. */
  readonly labs: readonly string[];
  readonly steps: readonly Step[];
  /** Where a step differs from the seed's text, and why. */
  readonly deviations: readonly string[];
}
