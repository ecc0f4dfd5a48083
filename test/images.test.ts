import { spawnSync } from 'child_process';
import * as path from 'path';
import { CILIUM, HelmChartSource, UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { EnvironmentConfig } from '../config';
import { IMAGE_TAGS } from '../config/versions';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config/environments';
import { applicationsOf, hydrateApplications } from '../verify/engines/hydrate';
import { mirrorList } from '../verify/checks/inventory';
import { podImages } from '../verify/engines/pods';
import { ALL_ENVS, render, ROOT } from './helpers';
import { toolPath } from './tools';

function images(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/images.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

/** Every image an environment's pods run: our render plus the upstream charts' Helm renders. */
function deployedImages(env: EnvironmentConfig): string[] {
  const rendered = render(env);
  const upstream = hydrateApplications(applicationsOf(rendered), { helm: toolPath('helm') });
  return [...new Set([...rendered.files, ...upstream.flatMap((a) => a.objects)].flatMap((o) => podImages(o.object)))].sort();
}

describe('npm run images (air gap, seed section 12)', () => {
  test('lists our images, the images the upstream charts render, the charts and the git sources', () => {
    const out = images(['--env', 'prod']).stdout;
    const pin = (name: string) => {
      const s = UPSTREAM_COMPONENTS.find((u) => u.name === name)!.source;
      return s.kind === 'helm' ? `${s.repoURL} ${s.chart} ${s.version}` : `${s.repoURL} ${s.path} ${s.revision}`;
    };
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(out).toContain(`docker.io/mccutchen/go-httpbin:${IMAGE_TAGS.httpbin}`);
    expect(out).toContain(`docker.io/curlimages/curl:${IMAGE_TAGS.curl}`);
    // From the renders, not a hand-written table: the chart's real tags, digests and variants.
    expect(out).toMatch(new RegExp(`quay\\.io/cilium/cilium:v${escape(CILIUM.source.version)}@sha256:[0-9a-f]{64} {2}# cilium`));
    expect(out).toContain(
      `docker.io/istio/pilot:${(UPSTREAM_COMPONENTS.find((u) => u.name === 'istiod')!.source as HelmChartSource).version}-distroless  # istiod`,
    );
    expect(out).toContain(`kong:${IMAGE_TAGS.kongGateway}  # kong`);
    for (const name of ['cilium', 'kong', 'gateway-api-crds']) expect(out).toContain(pin(name));
  });

  test('follows the environment: no Istio images where Istio is skipped', () => {
    const out = images(['--env', ALL_ENVS.find((e) => e.features.skipIstio)!.name]).stdout;
    expect(out).not.toContain('istio');
    expect(out).toContain('docker.io/curlimages/curl:latest');
  });

  test('every image the air-gapped render runs is a target of the mirror list, and nothing else is', () => {
    const harbor = 'harbor.corp.example/lab';
    const lines = images(['--env', 'prod', '--registry', harbor, '--mirror-list']).stdout.trim().split('\n');
    const targets = new Set(lines.map((l) => l.split(' ')[1]));
    const env = { ...ENVIRONMENTS.prod, registry: harbor, observability: { ...ENVIRONMENTS.prod.observability, onlineDashboards: false } };
    const running = deployedImages(env);
    expect(running.length).toBeGreaterThan(25);
    expect(running.filter((image) => !targets.has(image))).toEqual([]);
  });

  test('bad input gets one line and exit 2', () => {
    const unknown = images(['--env', 'no-such-env']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toMatch(
      new RegExp(`^images: error: --env 'no-such-env' is not one of ${ENVIRONMENT_NAMES.join(', ')}; usage: npm run images --`),
    );
    const twice = images(['--env', 'dev', '--env', 'prod']);
    expect(twice.status).toBe(2);
    expect(twice.stderr.trim()).toBe("images: error: --env given twice ('dev' and 'prod'); give it once");
    const scheme = images(['--env', 'prod', '--registry', 'https://harbor.example.com/lab']);
    expect(scheme.status).toBe(2);
    expect(scheme.stderr.trim()).toMatch(
      /^images: error: invalid environment 'prod': registry must be a registry host\[:port\]\[\/path\] without scheme/,
    );
    expect(mirrorList({ ourImages: ['docker.io/a/b:1'], upstreamImages: [], unverified: [], helmCharts: [], gitSources: [] }, 'h.io/p')).toEqual([
      'docker.io/a/b:1 h.io/p/a/b:1',
    ]);
  });
});
