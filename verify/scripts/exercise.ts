/**
 * npm run exercise -- --list | <id>... | all [--env <env>] [--kubeconfig <file>] [--no-dataplane]
 * The seed's exercises, step by step, against your Kind lab (or any cluster
 * kubectl reaches): pass or fail per step, with what it saw.
 */
import { spawnSync } from 'child_process';
import { UserError } from '../../config';
import { ENVIRONMENTS } from '../../config/environments';
import { EXERCISES } from '../exercises/catalog';
import { exerciseListing } from '../exercises/listing';
import { exerciseParams, formatExerciseReport, runExercise } from '../exercises/runner';
import { CheckFailure } from '../../config/errors';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();
const LAB_ENVS = [...new Set(EXERCISES.flatMap((e) => e.labs))];

/** kubectl, helm and curl from PATH, as on the user's machine; one line naming what to install if one is missing. */
function fromPath(tool: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new UserError(`${tool} is not on PATH; install it (the lab's prerequisites: Docker, kind, kubectl, helm, curl)`);
  return found;
}

runCommand(
  {
    name: 'exercise',
    invocation: 'npm run exercise --',
    summary: "Runs the seed's exercises against the lab kubectl reaches, and says per step what the seed expects and what it saw.",
    flags: {
      list: { kind: 'boolean', help: 'print the exercises, where each runs and what judges it, and exit' },
      env: { kind: 'string', help: 'the lab environment the cluster runs (default dev)', oneOf: () => LAB_ENVS },
      kubeconfig: { kind: 'string', value: 'file', help: 'the cluster (default: kubectl’s own)' },
      'no-dataplane': { kind: 'boolean', help: 'report the steps only traffic can judge as "needs a dataplane" instead of running them' },
    },
    positional: { name: 'id', help: "an exercise id (2-1 ... 11-4, 14), or 'all'", oneOf: () => ['all', ...EXERCISES.map((e) => e.id)] },
  },
  async ({ flags, positional }) => {
    if (flags.list) {
      process.stdout.write(`${exerciseListing(EXERCISES)}\n`);
      return 0;
    }
    if (positional.length === 0) throw new UserError("name an exercise (npm run exercise -- --list shows them) or 'all'");
    const envName = flags.env ?? 'dev';
    const env = ENVIRONMENTS[envName];
    const chosen = positional.includes('all')
      ? EXERCISES.filter((e) => e.labs.includes(envName))
      : EXERCISES.filter((e) => positional.includes(e.id));
    const elsewhere = chosen.filter((e) => !e.labs.includes(envName));
    if (elsewhere.length > 0)
      throw new UserError(`exercise ${elsewhere[0].id} runs on ${elsewhere[0].labs.join(' or ')}, not ${envName}; add --env ${elsewhere[0].labs[0]}`);
    const tools = { kubectl: fromPath('kubectl'), helm: fromPath('helm'), curl: fromPath('curl') };
    const results = [];
    for (const exercise of chosen) {
      console.log(`exercise ${exercise.id}: ${exercise.title} (${envName})`);
      results.push(
        await runExercise(exercise, {
          params: exerciseParams(env),
          tools,
          // The seed's commands name this clone's paths (lab/...).
          cwd: ROOT,
          kubeconfig: flags.kubeconfig,
          dataplane: !flags['no-dataplane'],
          log: (line) => console.log(line),
        }),
      );
    }
    console.log(`\n${formatExerciseReport(results, EXERCISES)}`);
    const failed = results.filter((r) => r.outcome === 'fail');
    if (failed.length > 0) throw new CheckFailure(`${failed.map((r) => r.id).join(', ')} did not show what the seed says; the failing step is above`);
    return 0;
  },
);
