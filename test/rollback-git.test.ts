import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readMigrationState } from '../config/migration-state';
import { startRollbackReceiver } from '../ops/receiver';
import { pendingRef, rollBack } from '../ops/rollback';
import { bareRemoteOf, committedClone, filesOf, gitIn, subjects } from './git-clone';

/**
 * Seed 10-3's rollback as the git write path production runs: in a committed
 * clone, as a user or the receiver runs it. Each test asserts what git says:
 * the paths a commit touched, what the remote holds, what the clone still has
 * uncommitted. The remote's hooks stand in for a server that refuses a push, or
 * that moves its branch while the push is in flight.
 */
const ROLLBACK_FILES = (env: string) => ['config/migration-state.json', `dist/${env}/gateway/httproute-demo-api.yaml`];
const SUBJECT = (env: string) => `rollback: backend in ${env} back to the DC (switching 100% -> 0%)`;

const rollbackCommand = (clone: string, ...args: string[]) =>
  spawnSync(process.execPath, ['lib/run-ts.js', 'ops/scripts/rollback.ts', ...args], { cwd: clone, encoding: 'utf8' });

/** `git status --porcelain` of the clone, one entry per line. */
const status = (clone: string) => gitIn(clone, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean).sort();

/** A pre-receive hook that declines every push while `<remote>/refuse` exists, with the words a protected branch answers. */
function refusingRemote(clone: string): { remote: string; refuse: (on: boolean) => void } {
  const remote = bareRemoteOf(clone);
  const hook = path.join(remote, 'hooks', 'pre-receive');
  fs.writeFileSync(hook, '#!/bin/sh\nif [ -f "$GIT_DIR/refuse" ]; then echo "main is protected: pushes need a review"; exit 1; fi\nexit 0\n', {
    mode: 0o755,
  });
  return {
    remote,
    refuse: (on) => (on ? fs.writeFileSync(path.join(remote, 'refuse'), '') : fs.rmSync(path.join(remote, 'refuse'), { force: true })),
  };
}

describe('the rollback commit holds the rollback alone (npm run rollback, in a committed clone)', () => {
  test("by hand: one commit of the state file and the route; an unstaged edit, a staged file and an untracked one stay the person's, uncommitted", () => {
    const clone = committedClone('rollback-dirty-');
    fs.appendFileSync(path.join(clone, 'components.ts'), '\n// an edit in progress\n');
    fs.writeFileSync(path.join(clone, 'notes.txt'), 'staged, not for the rollback\n');
    gitIn(clone, 'add', 'notes.txt');
    fs.writeFileSync(path.join(clone, 'scratch.txt'), 'untracked\n');
    const before = status(clone);
    const done = rollbackCommand(clone, '--env', 'stg', '--service', 'backend', '--reason', 'by hand: the error budget of the week is spent');
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(done.stdout).toMatch(
      /rollback: backend in stg back to the DC \(switching 100% -> 0%\): commit [0-9a-f]{12}, changes config\/migration-state.json, dist\/stg\/gateway\/httproute-demo-api.yaml\n$/,
    );
    expect(subjects(clone)).toEqual([SUBJECT('stg'), 'the working tree']);
    expect(filesOf(clone)).toEqual(ROLLBACK_FILES('stg'));
    // What the person had is as they left it: the edit unstaged, notes.txt staged, scratch.txt untracked; the clone's copy of the rollback's files is the commit's.
    expect(status(clone)).toEqual(before);
    expect(readMigrationState(clone).stg.backend.name).toBe('rolled-back');
  });

  test('an uncommitted change where the rollback writes is refused, one line; nothing committed, the change kept', () => {
    const clone = committedClone('rollback-own-dirty-');
    const route = path.join(clone, 'dist/prod/gateway/httproute-demo-api.yaml');
    fs.appendFileSync(route, '# a hand edit\n');
    const refused = rollbackCommand(clone, '--env', 'prod', '--service', 'backend', '--reason', 'x');
    expect({ status: refused.status, lines: refused.stderr.trim().split('\n').length }).toEqual({ status: 2, lines: 1 });
    expect(refused.stderr).toMatch(
      /^rollback: error: .* has uncommitted changes where a rollback writes \(dist\/prod\/gateway\/httproute-demo-api.yaml\)/,
    );
    expect(subjects(clone)).toEqual(['the working tree']);
    expect(fs.readFileSync(route, 'utf8')).toMatch(/# a hand edit\n$/);
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    '--service %s names no service: refused, exit 2, nothing committed',
    (service) => {
      const clone = committedClone('rollback-proto-');
      const refused = rollbackCommand(clone, '--env', 'prod', '--service', service, '--reason', 'x');
      expect({ status: refused.status, stderr: refused.stderr, commits: subjects(clone) }).toEqual({
        status: 2,
        stderr: `rollback: error: '${service}' is not migrating in prod (config/migration-state.json lists backend)\n`,
        commits: ['the working tree'],
      });
    },
  );

  test('a --reason with line breaks and trailers stays one line of the message: git finds no Signed-off-by or Co-authored-by', () => {
    const clone = committedClone('rollback-trailers-');
    const reason = 'paged\n\nSigned-off-by: Mallory <m@evil.example>\nCo-authored-by: Mallory <m@evil.example>\n';
    const done = rollbackCommand(clone, '--env', 'prod', '--service', 'backend', '--reason', reason);
    expect(done.status).toBe(0);
    const message = gitIn(clone, 'log', '-1', '--format=%B');
    expect(message.split('\n')).toEqual([
      SUBJECT('prod'),
      '',
      'Reason: paged Signed-off-by: Mallory <m@evil.example> Co-authored-by: Mallory <m@evil.example>',
      expect.stringMatching(/^Made by npm run rollback/),
    ]);
    const trailers = spawnSync('git', ['interpret-trailers', '--parse'], { cwd: clone, input: message, encoding: 'utf8' }).stdout;
    expect(trailers).not.toMatch(/^(Signed-off-by|Co-authored-by):/im);
    expect(readMigrationState(clone).prod.backend).toEqual({
      name: 'rolled-back',
      reason: 'paged Signed-off-by: Mallory <m@evil.example> Co-authored-by: Mallory <m@evil.example>',
    });
  });

  test('a second rollback of the same service finds it on the DC already and commits nothing', async () => {
    const clone = committedClone('rollback-twice-');
    expect((await rollBack(clone, { env: 'dev', service: 'backend', reason: 'RollbackErrorRateHigh fired (Alertmanager)' })).outcome).toBe(
      'committed',
    );
    expect(await rollBack(clone, { env: 'dev', service: 'backend', reason: 'again' })).toEqual({
      outcome: 'already-on-dc',
      message: 'backend in dev already sends every request to the DC (stage rolled-back); nothing to commit',
      files: [],
    });
    expect(subjects(clone)).toEqual([SUBJECT('dev'), 'the working tree']);
  });
});

describe("--push: the rollback alone, on the remote's tip, never lost", () => {
  test('an unrelated local commit stays local: the remote gets the rollback on its own tip', () => {
    const clone = committedClone('rollback-push-');
    const remote = bareRemoteOf(clone);
    fs.writeFileSync(path.join(clone, 'wip.txt'), 'not reviewed\n');
    gitIn(clone, 'add', 'wip.txt');
    gitIn(clone, 'commit', '-q', '-m', 'WIP: not reviewed');
    const done = rollbackCommand(clone, '--env', 'prod', '--service', 'backend', '--reason', 'RollbackErrorRateHigh fired', '--push');
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(subjects(remote, 'main')).toEqual([SUBJECT('prod'), 'the working tree']);
    expect(filesOf(remote, 'main')).toEqual(ROLLBACK_FILES('prod'));
    // The clone's own branch is the person's: their commit, not the rollback (git pull brings it).
    expect(subjects(clone)).toEqual(['WIP: not reviewed', 'the working tree']);
  });

  test('a push the remote refuses: one line, exit 1, the commit kept; the next run pushes that same commit', () => {
    const clone = committedClone('rollback-refused-');
    const { remote, refuse } = refusingRemote(clone);
    refuse(true);
    const refused = rollbackCommand(clone, '--env', 'prod', '--service', 'backend', '--reason', 'RollbackErrorRateHigh fired', '--push');
    expect({ status: refused.status, lines: refused.stderr.trim().split('\n').length }).toEqual({ status: 1, lines: 1 });
    expect(refused.stderr).toMatch(
      /^rollback: error: the push of rollback [0-9a-f]{12} \(backend in prod back to the DC \(switching 100% -> 0%\)\) to origin\/main was refused \(main is protected: pushes need a review; \[remote rejected\] [0-9a-f]{40} -> main \(pre-receive hook declined\)\); the commit is kept as refs\/rollback\/pending\/prod\/backend/,
    );
    const kept = gitIn(clone, 'rev-parse', pendingRef({ env: 'prod', service: 'backend', reason: '' }));
    expect(subjects(remote, 'main')).toEqual(['the working tree']);
    refuse(false);
    const again = rollbackCommand(clone, '--env', 'prod', '--service', 'backend', '--reason', 'RollbackErrorRateHigh fired again', '--push');
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
    expect(gitIn(remote, 'rev-parse', 'main')).toBe(kept);
    expect(subjects(remote, 'main')).toEqual([SUBJECT('prod'), 'the working tree']);
    expect(spawnSync('git', ['rev-parse', '-q', '--verify', 'refs/rollback/pending/prod/backend'], { cwd: clone }).status).toBe(1);
  });

  test("the remote's branch moves while the push is in flight: the rollback is made again on the new tip, and lands on top", async () => {
    const clone = committedClone('rollback-race-');
    const remote = bareRemoteOf(clone);
    // The update hook runs after the push's objects arrived and before its ref moves: someone else's commit lands there, once.
    fs.writeFileSync(
      path.join(remote, 'hooks', 'update'),
      [
        '#!/bin/sh',
        'if [ -f "$GIT_DIR/race-once" ]; then',
        '  rm "$GIT_DIR/race-once"',
        '  tip=$(git rev-parse refs/heads/main)',
        `  other=$(echo "someone else's change" | git commit-tree "$tip^{tree}" -p "$tip")`,
        '  git update-ref refs/heads/main "$other" "$tip" || exit 1',
        'fi',
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(remote, 'race-once'), '');
    const result = await rollBack(clone, { env: 'prod', service: 'backend', reason: 'RollbackErrorRateHigh fired' }, { push: true });
    expect(result.outcome).toBe('committed');
    expect(subjects(remote, 'main')).toEqual([SUBJECT('prod'), "someone else's change", 'the working tree']);
    expect(gitIn(remote, 'rev-parse', 'main')).toBe(result.revision);
    expect(filesOf(remote, 'main')).toEqual(ROLLBACK_FILES('prod'));
  });

  test('the receiver answers 500 while the remote refuses (Alertmanager sends it again), then 200 once the kept commit lands', async () => {
    const clone = committedClone('rollback-receiver-push-');
    const { remote, refuse } = refusingRemote(clone);
    const token = randomBytes(24).toString('hex');
    const log: string[] = [];
    const receiver = await startRollbackReceiver({
      env: 'prod',
      token,
      migrating: () => Object.keys(readMigrationState(clone).prod),
      rollBack: async (service, reason) => (await rollBack(clone, { env: 'prod', service, reason }, { push: true })).message,
      log: (line) => log.push(line),
    });
    const fire = () =>
      fetch(receiver.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status: 'firing',
          alerts: [{ status: 'firing', labels: { alertname: 'RollbackErrorRateHigh', job: 'backend', action: 'rollback' } }],
        }),
      }).then((r) => r.status);
    try {
      refuse(true);
      expect(await fire()).toBe(500);
      expect(log).toEqual([
        expect.stringMatching(
          /^receiver: rollback in prod did not land, answered 500 so Alertmanager retries: the push of rollback [0-9a-f]{12} .* was refused \(main is protected/,
        ),
      ]);
      expect(subjects(remote, 'main')).toEqual(['the working tree']);
      refuse(false);
      expect(await fire()).toBe(200);
      expect(subjects(remote, 'main')).toEqual([SUBJECT('prod'), 'the working tree']);
      expect(log[1]).toMatch(/^receiver: RollbackErrorRateHigh fired for backend in prod: backend in prod back to the DC/);
    } finally {
      await receiver.close();
    }
  });
});
