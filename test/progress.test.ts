import * as path from 'path';
import { ENVIRONMENTS } from '../config/environments';
import { stepProgress } from '../lib/progress';
import { hydrateApplications, readApplications, readDistEnvironment } from '../verify/engines/hydrate';
import { ROOT } from './helpers';
import { toolPath } from './tools';

/**
 * Long synchronous work (diff, hydrate, the synth inside promote and rollback) speaks at its steps:
 * a fast run prints nothing, a slow one a line each time a step ends after a quiet spell.
 */
describe('step progress', () => {
  const recorder = () => {
    let now = 0;
    const lines: string[] = [];
    const step = stepProgress(
      'diff',
      2000,
      (l) => void lines.push(l),
      () => now,
    );
    return { lines, step, advance: (ms: number) => (now += ms) };
  };

  test('steps within the quiet spell print nothing; the first step after it prints, with the time since the start', () => {
    const r = recorder();
    r.advance(500);
    r.step('dev: rendered');
    r.advance(1000);
    r.step('stg: rendered');
    expect(r.lines).toEqual([]);
    r.advance(4000);
    r.step('prod: rendered mimir with Helm');
    r.advance(100);
    r.step('prod: compared');
    expect(r.lines).toEqual(['diff: prod: rendered mimir with Helm (at 5.5 s)\n']);
  });

  test('seeded break: a quiet spell of zero prints every step', () => {
    const lines: string[] = [];
    const step = stepProgress(
      'hydrate',
      0,
      (l) => void lines.push(l),
      () => 0,
    );
    step('a');
    step('b');
    expect(lines).toHaveLength(2);
  });

  test('hydration announces each Helm render it runs, before and after, so no render is a silent gap', () => {
    const apps = readApplications(readDistEnvironment(path.join(ROOT, 'dist'), ENVIRONMENTS.prod.name)).filter((a) =>
      ['gatekeeper', 'kube-state-metrics'].includes(a.name),
    );
    expect(apps).toHaveLength(2);
    const said: string[] = [];
    const hydrated = hydrateApplications(apps, { helm: toolPath('helm'), cache: false, progress: (what) => said.push(what) });
    expect(hydrated.map((a) => a.status)).toEqual(['rendered', 'rendered']);
    // Two passes (the second with the CRDs' API versions), each render bracketed.
    const bracket = (name: string) => [`rendering ${name} with Helm`, `rendered ${name} with Helm`];
    expect(said).toEqual([...bracket('gatekeeper'), ...bracket('kube-state-metrics'), ...bracket('gatekeeper'), ...bracket('kube-state-metrics')]);
    // A cached render is instant and says nothing: the first call fills the per-user cache, the second reads it.
    hydrateApplications(apps, { helm: toolPath('helm') });
    const cachedSaid: string[] = [];
    hydrateApplications(apps, { helm: toolPath('helm'), progress: (what) => cachedSaid.push(what) });
    expect(cachedSaid).toEqual([]);
  });
});
