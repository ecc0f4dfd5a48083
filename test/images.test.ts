import { spawnSync } from 'child_process';
import * as path from 'path';
import { EnvironmentConfig } from '../config';
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
    expect(out).toContain('docker.io/mccutchen/go-httpbin:v2.19.0');
    expect(out).toContain('docker.io/curlimages/curl:8.5.0');
    // From the renders, not a hand-written table: the chart's real tags, digests and variants.
    expect(out).toMatch(/quay\.io\/cilium\/cilium:v1\.19\.1@sha256:[0-9a-f]{64} {2}# cilium/);
    expect(out).toContain('docker.io/istio/pilot:1.29.0-distroless  # istiod');
    expect(out).toContain('kong:3.9.1  # kong');
    expect(out).toContain('https://helm.cilium.io/ cilium 1.19.1');
    expect(out).toContain('https://charts.konghq.com ingress 0.22.0');
    expect(out).toContain('https://github.com/kubernetes-sigs/gateway-api.git config/crd/standard v1.5.0');
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
