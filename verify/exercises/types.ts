/**
 * A seed exercise as data: the seed's steps, each with the outcome the seed
 * says its reader sees, and what decides that outcome. `npm run exercise`
 * runs them against any cluster through kubectl, helm and curl; a test holds
 * every step that is the seed's to the seed's own text (seed-commands.ts).
 */

/** What decides a step's outcome. */
export type Judge = 'API server' | 'Gatekeeper' | 'Argo CD' | 'Helm' | 'a dataplane';

/** How a refused connection shows to curl: Cilium drops the packets (a timeout), its L7 proxy answers 403, the mesh resets it. */
export type Refusal = 'timeout' | 'http-403' | 'reset';

export interface Step {
  /** What the seed says the reader sees, in a line. */
  readonly says: string;
  /** The command: kubectl, helm, curl or cat and its arguments, as the seed types it; `${NAME}` is a parameter. */
  readonly run: readonly string[];
  /** A manifest given on stdin (`-f -`), as the seed's heredocs do. */
  readonly stdin?: object;
  /** The seed's `| kubectl apply -f -`: a second command that reads the first one's output. */
  readonly pipe?: readonly string[];
  /**
   * `either`: exits 0, or fails with `output` (seed 8-1: early pods fit the quota, later ones do not).
   * `any`: the seed's `2>/dev/null || true`, a clean-up whose outcome the seed does not read.
   */
  readonly expect: 'succeeds' | 'fails' | 'either' | 'any';
  /** For a refused connection: how curl sees it. A timeout is not a 403. */
  readonly refusal?: Refusal;
  /** The HTTP status a curl must show (the runner adds `--write-out` where the seed's command has none). */
  readonly status?: number;
  /** Must appear in what the command printed (stdout and stderr). */
  readonly output?: RegExp;
  /** Must not appear in it. */
  readonly absent?: RegExp;
  /** Every object of the command's YAML output must pass it: what is wrong, or nothing (11-1: each object has app, env and team). */
  readonly eachObject?: (object: {
    readonly kind?: string;
    readonly metadata?: { readonly name?: string; readonly labels?: Record<string, string> };
  }) => string | undefined;
  /** The command's JSON output must pass it: what is wrong, or nothing (7-2: every error trace is kept). */
  readonly json?: (value: unknown) => string | undefined;
  /** Ask again for up to this many seconds until the expectation holds (a controller acts, not the command). */
  readonly within?: number;
  /** Seconds to wait before the command (a hand edit that must stay, the seed's `sleep 5`). */
  readonly after?: number;
  /** Keep the first line of its output as a parameter (the seed's `X=$(kubectl ... | head -1)`). */
  readonly capture?: string;
  /** The seed's `| base64 -d` on what `capture` keeps. */
  readonly decode?: 'base64';
  /** The seed's `for i in $(seq 1 N)`: the command N times, `${N}` its count from 1, each meeting the expectation. */
  readonly repeat?: number;
  /** Only in these labs (section 14's ztunnel logs: where Istio runs). */
  readonly labs?: readonly string[];
  readonly judge: Judge;
  /** Runs even after a step failed: the seed's clean-up, and resuming what was paused. */
  readonly cleanup?: boolean;
  /** Not the seed's command: a check, wait or clean-up of ours, and why. Every other step is the seed's command as its text has it. */
  readonly added?: string;
  /** The seed's command this step runs instead (as the seed writes it), and why: a deviation the listing shows. */
  readonly instead?: { readonly of: string; readonly why: string };
}

/** A command of the seed's exercise that no step runs, and why (a watch that never ends, this machine's /etc/hosts, a template). */
export interface NotRun {
  readonly command: string;
  readonly why: string;
}

export interface Exercise {
  /** The seed's number: `2-1`, or `14` for the troubleshooting checks. */
  readonly id: string;
  readonly title: string;
  /** Where it runs: the lab environments whose `setup.sh` flags give the seed's lab. */
  readonly labs: readonly string[];
  readonly steps: readonly Step[];
  /** Where the exercise differs from the seed's text beyond a step (its lab), and why. */
  readonly deviations: readonly string[];
  /** The seed's commands this catalog does not run, each with why. */
  readonly notRun?: readonly NotRun[];
  /** How the runner reads what the seed shows on a screen (Grafana's Explore, through its API): no deviation for the reader. */
  readonly notes?: readonly string[];
}
