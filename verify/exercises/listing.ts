import { ENVIRONMENTS } from '../../config/environments';
import { answerIsTheWorkloads, exerciseParams, judges, stepConnection } from './runner';
import { verbatim } from './seed-commands';
import { Exercise } from './types';

/**
 * The dataplane steps of an exercise that are connections, which Cilium's engine and the mesh's rule judge live where
 * no dataplane runs: decided by policy, or (where the step also checks the answer) only found not refused.
 */
export const policyJudgedSteps = (exercise: Exercise): { decided: number; reachable: number } => {
  const judged = exercise.steps.filter((s) => s.judge === 'a dataplane' && stepConnection(s.run) !== undefined);
  const reachable = judged.filter(answerIsTheWorkloads).length;
  return { decided: judged.length - reachable, reachable };
};

/** In a line: verbatim, or what differs and the commands that replace the seed's. */
/** A command as the seed's own lab (dev) runs it: its parameters filled in. */
const typed = (argv: readonly string[]): string => {
  const params = exerciseParams(ENVIRONMENTS.dev);
  return argv.map((a) => a.replace(/\$\{([A-Z_]+)\}/g, (all, name: string) => params[name] ?? all)).join(' ');
};

function asTyped(e: Exercise): string {
  if (verbatim(e)) return 'verbatim';
  const instead = e.steps.flatMap((s) => (s.instead ? [s.instead.of] : []));
  return `deviation: ${[...e.deviations, ...(instead.length > 0 ? [`${instead.length} command(s) changed (below)`] : [])].join('; ')}`;
}

/**
 * `npm run exercise -- --list`: one row per exercise, as the README's exercise
 * table has it (a test keeps the two equal), then every step that differs from
 * the seed and every seed command not run, each with why.
 */
export function exerciseListing(catalog: readonly Exercise[]): string {
  const rows = catalog.map((e) => {
    const npmTest = e.steps.some((s) => s.judge !== 'a dataplane') ? 'yes' : 'no';
    const needs = e.steps.filter((s) => s.judge === 'a dataplane').length;
    const { decided, reachable } = policyJudgedSteps(e);
    const judgedParts = [
      decided ? `decide ${decided === needs ? 'each' : decided} by policy` : '',
      reachable ? `find ${reachable === needs ? 'each' : reachable} not refused (what it answers needs a dataplane)` : '',
    ].filter(Boolean);
    const policyNote = judgedParts.length ? `; Cilium's policy engine and the mesh ${judgedParts.join(', and ')}` : '';
    return `| ${e.id} | ${e.title} | ${e.labs.join(', ')} | ${asTyped(e)} | ${judges(e)} | ${npmTest}${needs ? ` (${needs} of ${e.steps.length} steps need a dataplane${policyNote})` : ''} |`;
  });
  const changed = catalog.flatMap((e) =>
    e.steps.flatMap((s) => (s.instead ? [`- ${e.id}: \`${s.instead.of}\` runs as \`${typed(s.run)}\`: ${s.instead.why}`] : [])),
  );
  const notRun = catalog.flatMap((e) => (e.notRun ?? []).map((n) => `- ${e.id}: \`${n.command}\`: ${n.why}`));
  const deviations = catalog.flatMap((e) => e.deviations.map((d) => `- ${e.id}: ${d}`));
  const notes = catalog.flatMap((e) => (e.notes ?? []).map((n) => `- ${e.id}: ${n}`));
  return [
    '| exercise | what | lab | as the reader types it | judged by | in npm test |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Where an exercise differs from the seed, and why:',
    '',
    ...deviations,
    '',
    "The seed's commands that run changed:",
    '',
    ...changed,
    '',
    "The seed's commands the runner does not type for you (they work as the seed writes them), and why:",
    '',
    ...notRun,
    '',
    'How the runner reads what the seed shows on a screen:',
    '',
    ...notes,
  ].join('\n');
}
