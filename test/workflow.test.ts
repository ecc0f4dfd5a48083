import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { githubScript, jobsRunning, readWorkflow, readWorkflows, Workflow, withTagsForDigests, workflowProblems } from '../verify/checks/workflows';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * The workflows (.github/workflows/) as GitHub Actions runs them: actionlint
 * checks syntax, expressions, the inputs of the actions (by the tag beside each
 * digest) and the run: scripts with the pinned shellcheck; the rest proves what
 * a reviewer relies on: the diff does not wait for npm test, a fork's code never
 * runs where a token can write, every action is pinned by digest, and the
 * comment script, run as github-script runs it, never posts a blank, a
 * cancelled run's diff, or over someone else's comment.
 */
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const workflows = readWorkflows(WORKFLOWS);
const byFile = (file: string) => workflows.find((w) => w.file === file)!;

const lint = (...files: string[]) =>
  spawnSync(toolPath('actionlint'), [`-shellcheck=${toolPath('shellcheck')}`, '-no-color', ...files], { cwd: ROOT, encoding: 'utf8' });

/** Each workflow as actionlint knows its actions: by tag, so the inputs are checked too. */
function tagged(texts: ReadonlyArray<{ file: string; text: string }>): string[] {
  const dir = tempDir('workflow-');
  return texts.map(({ file, text }) => {
    const out = path.join(dir, file);
    fs.writeFileSync(out, withTagsForDigests(text));
    return out;
  });
}

describe('actionlint', () => {
  test('every workflow passes, as written and with each digest read as its tag', () => {
    expect(workflows.map((w) => w.file)).toEqual(['rendered-diff-comment.yml', 'rendered-diff.yml', 'renovate-refresh.yml', 'test.yml']);
    const written = lint(...workflows.map((w) => path.join(WORKFLOWS, w.file)));
    expect({ status: written.status, out: written.stdout + written.stderr }).toEqual({ status: 0, out: '' });
    const byTag = lint(...tagged(workflows));
    expect({ status: byTag.status, out: byTag.stdout + byTag.stderr }).toEqual({ status: 0, out: '' });
  });

  test('seeded break: a misspelt input of actions/checkout and an unknown context are found', () => {
    const w = byFile('rendered-diff.yml');
    const broken = w.text.replace('fetch-depth: 0', 'fetch-deepth: 0').replace('github.event.pull_request.number', 'gihub.event.pull_request.number');
    const result = lint(...tagged([{ file: w.file, text: broken }]));
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/input "fetch-deepth" is not defined in action "actions\/checkout@v4"/);
    expect(result.stdout).toMatch(/undefined variable "gihub"/);
  });
});

describe('the rules actionlint does not know', () => {
  test('the diff does not wait for npm test: its own workflow on every pull request, no needs, no npm test, and the comment follows it', () => {
    const diffJobs = jobsRunning(workflows, /npm run --silent diff\b/);
    expect(diffJobs).toEqual(['rendered-diff.yml job diff']);
    const diff = byFile('rendered-diff.yml');
    expect(diff.triggers).toEqual(['pull_request']);
    expect(jobsRunning([diff], /\bnpm test\b/)).toEqual([]);
    expect(Object.values(diff.jobs).filter((j) => j.needs !== undefined)).toEqual([]);
    expect(byFile('rendered-diff-comment.yml').on.workflow_run).toEqual({ workflows: [diff.name], types: ['completed'] });
    // npm test runs in its own workflow, on pull requests and on main, whose runs keep the tool cache warm.
    expect(jobsRunning(workflows, /^npm test$/m)).toEqual(['test.yml job test']);
    expect(byFile('test.yml').triggers).toEqual(expect.arrayContaining(['pull_request', 'push']));
  });

  test("no job runs a pull request's code with a token that can write, and every action is pinned by digest", () => {
    expect(workflowProblems(workflows)).toEqual([]);
  });

  test('seeded breaks: a diff job that may write, a checkout in the commenting job, and an action pinned by tag are each named', () => {
    const edit = (file: string, from: string | RegExp, to: string): Workflow => {
      const w = byFile(file);
      const text = w.text.replace(from, to);
      expect(text).not.toBe(w.text);
      return readWorkflow(path.join(WORKFLOWS, file), text);
    };
    expect(workflowProblems([edit('rendered-diff.yml', 'contents: read', 'contents: read\n  pull-requests: write')])).toEqual([
      "rendered-diff.yml job diff: runs a pull request's code and may write pull-requests; give it read permissions and post from a workflow_run",
    ]);
    expect(
      workflowProblems([
        edit(
          'rendered-diff-comment.yml',
          '    steps:\n',
          '    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n',
        ),
      ]),
    ).toEqual([
      'rendered-diff-comment.yml job comment: checks out code in a job that may write pull-requests (actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683)',
    ]);
    expect(workflowProblems([edit('test.yml', /actions\/setup-go@[0-9a-f]{40} # v5.5.0/, 'actions/setup-go@v5')])).toEqual([
      'test.yml: actions/setup-go@v5 is not pinned by digest',
    ]);
  });
});

/** What the comment script did, run as actions/github-script runs it, against a recording stand-in for GitHub's API. */
interface Posted {
  readonly result: unknown;
  readonly created: Array<{ issue_number: number; body: string }>;
  readonly updated: Array<{ comment_id: number; body: string }>;
}

const MARKER = '<!-- kind-parity-platform: rendered diff -->';
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

async function runCommentScript(
  script: string,
  opts: {
    conclusion?: string;
    files?: Record<string, string>;
    pullHead?: string;
    comments?: Array<{ id: number; user: { login: string }; body: string }>;
  },
): Promise<Posted> {
  const dir = tempDir('pr-comment-');
  for (const [name, content] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(dir, name), content);
  const created: Posted['created'] = [];
  const updated: Posted['updated'] = [];
  const pull = { number: 7, html_url: 'https://github.com/o/r/pull/7', head: { sha: opts.pullHead ?? HEAD } };
  const github = {
    paginate: async (fn: (p: unknown) => Promise<{ data: unknown[] }>, params: unknown) => (await fn(params)).data,
    rest: {
      pulls: { list: async (p: { head: string }) => ({ data: p.head === 'fork-owner:feature' ? [pull] : [] }) },
      issues: {
        listComments: async () => ({ data: opts.comments ?? [] }),
        createComment: async (p: { issue_number: number; body: string }) => void created.push({ issue_number: p.issue_number, body: p.body }),
        updateComment: async (p: { comment_id: number; body: string }) => void updated.push({ comment_id: p.comment_id, body: p.body }),
      },
    },
  };
  const context = {
    repo: { owner: 'o', repo: 'r' },
    payload: {
      workflow_run: {
        id: 99,
        conclusion: opts.conclusion ?? 'success',
        head_sha: HEAD,
        head_branch: 'feature',
        head_repository: { owner: { login: 'fork-owner' } },
        html_url: 'https://github.com/o/r/actions/runs/99',
      },
    },
  };
  const core = { info: () => undefined, setFailed: (m: string) => Promise.reject(new Error(m)) };
  const previous = process.env.COMMENT_DIR;
  process.env.COMMENT_DIR = dir;
  try {
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...args: string[]
    ) => (...a: unknown[]) => Promise<unknown>;
    const result = await new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core);
    return { result, created, updated };
  } finally {
    if (previous === undefined) delete process.env.COMMENT_DIR;
    else process.env.COMMENT_DIR = previous;
  }
}

describe('the comment script, run as github-script runs it', () => {
  const script = githubScript(byFile('rendered-diff-comment.yml'));
  const ok = { pr: '7', sha: HEAD, outcome: 'ok', 'diff.md': '### Rendered diff\n\nprod: 0 added, 0 removed, 1 changed' };

  test('a diff is posted once, names the head commit, and later runs update that comment only', async () => {
    const first = await runCommentScript(script, { files: ok });
    expect(first.created).toEqual([{ issue_number: 7, body: expect.stringContaining('prod: 0 added, 0 removed, 1 changed') }]);
    expect(first.created[0].body.startsWith(`${MARKER}\n_Rendered diff of [\`a1b2c3d\`](https://github.com/o/r/pull/7/commits/${HEAD})._`)).toBe(
      true,
    );
    // Someone else's comment that starts with the marker is not the bot's: it stays as it is.
    const again = await runCommentScript(script, {
      files: ok,
      comments: [
        { id: 1, user: { login: 'mallory' }, body: `${MARKER}\nnot the bot` },
        { id: 2, user: { login: 'github-actions[bot]' }, body: `${MARKER}\nold diff` },
      ],
    });
    expect(again).toEqual({ result: 'posted the diff', created: [], updated: [{ comment_id: 2, body: expect.stringContaining('1 changed') }] });
  });

  test.each([
    ['the diff failed', { ...ok, outcome: 'failed', 'diff.md': '' }],
    ['the diff is empty', { ...ok, 'diff.md': '' }],
    ['no artifact reached the workflow', {}],
  ])('%s: a one-line failure with the link to the log, never a blank', async (_, files) => {
    const posted = await runCommentScript(script, { files: files as Record<string, string> });
    expect(posted.created).toEqual([
      {
        issue_number: 7,
        body: `${MARKER}\n**The rendered diff of [\`a1b2c3d\`](https://github.com/o/r/pull/7/commits/${HEAD}) failed**: see [the log](https://github.com/o/r/actions/runs/99).`,
      },
    ]);
  });

  test('a cancelled run, and a run whose commit is no longer the head, post nothing', async () => {
    expect(await runCommentScript(script, { files: ok, conclusion: 'cancelled' })).toEqual({ result: 'skipped', created: [], updated: [] });
    expect(await runCommentScript(script, { files: ok, pullHead: 'f'.repeat(40) })).toEqual({ result: 'no pull request', created: [], updated: [] });
  });

  test('seeded breaks: without its guards the script posts a blank and a cancelled diff, and the checks above see it', async () => {
    const noOutcomeGuard = script.replace("read('outcome') === 'ok' ? read('diff.md') : ''", "read('diff.md') || ' '");
    expect(noOutcomeGuard).not.toBe(script);
    const blank = await runCommentScript(noOutcomeGuard, { files: { ...ok, outcome: 'failed', 'diff.md': '' } });
    expect(blank.created[0].body).not.toContain('failed');
    const noCancelGuard = script.replace("run.conclusion === 'cancelled' || ", '');
    expect(noCancelGuard).not.toBe(script);
    expect((await runCommentScript(noCancelGuard, { files: ok, conclusion: 'cancelled' })).created).toHaveLength(1);
  });
});
