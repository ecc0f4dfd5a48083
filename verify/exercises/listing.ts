import { judges } from './runner';
import { Exercise } from './types';

/**
 * `npm run exercise -- --list`: one row per exercise, as the README's exercise
 * table has it (a test keeps the two equal).
 */
export function exerciseListing(catalog: readonly Exercise[]): string {
  const rows = catalog.map((e) => {
    const npmTest = e.steps.some((s) => s.judge !== 'a dataplane') ? 'yes' : 'no';
    const needs = e.steps.filter((s) => s.judge === 'a dataplane').length;
    return `| ${e.id} | ${e.title} | ${e.labs.join(', ')} | ${judges(e)} | ${npmTest}${needs ? ` (${needs} of ${e.steps.length} steps need a dataplane)` : ''} |`;
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
