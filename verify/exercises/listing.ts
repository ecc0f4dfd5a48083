import { environmentByName } from '../../config/environments';
import { flowTable } from '../../topology/flows';
import { judges } from './runner';
import { Exercise } from './types';

/**
 * The dataplane steps of an exercise whose policy verdict Cilium's engine gives in npm test: a flow of the
 * flow table names the step in every lab the exercise runs in (test/network-policies.test.ts judges it).
 */
export function policyJudgedSteps(exercise: Exercise): string[] {
  return exercise.steps
    .map((s, i) => ({ s, id: `${exercise.id}.${i + 1}` }))
    .filter(
      ({ s, id }) =>
        s.judge === 'a dataplane' && exercise.labs.every((lab) => flowTable(environmentByName(lab)!).some((f) => f.seedSteps?.includes(id))),
    )
    .map(({ id }) => id);
}

/**
 * `npm run exercise -- --list`: one row per exercise, as the README's exercise
 * table has it (a test keeps the two equal).
 */
export function exerciseListing(catalog: readonly Exercise[]): string {
  const rows = catalog.map((e) => {
    const npmTest = e.steps.some((s) => s.judge !== 'a dataplane') ? 'yes' : 'no';
    const needs = e.steps.filter((s) => s.judge === 'a dataplane').length;
    const policy = policyJudgedSteps(e).length;
    const policyNote = policy ? `; Cilium's policy engine judges the verdict of ${policy === needs ? 'each' : `${policy}`}` : '';
    return `| ${e.id} | ${e.title} | ${e.labs.join(', ')} | ${judges(e)} | ${npmTest}${needs ? ` (${needs} of ${e.steps.length} steps need a dataplane${policyNote})` : ''} |`;
  });
  const deviations = catalog.flatMap((e) => e.deviations.map((d) => `- ${e.id}: ${d}`));
  return [
    '| exercise | what | lab | judged by | in npm test |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'Where a step differs from the seed, and why:',
    '',
    ...deviations,
  ].join('\n');
}
