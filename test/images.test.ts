import { spawnSync } from 'child_process';
import * as path from 'path';
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { COMPONENTS } from '../components';
import { ENVIRONMENTS } from '../config';
import { inventory, mirrorList } from '../lib/inventory';
import { renderEnvironment } from '../lib/synth';
import { imageRepositories, ROOT } from './helpers';

function images(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts/run-ts.js'), 'scripts/images.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('npm run images (air gap, seed section 12)', () => {
  test('lists our images from the rendered tree, the pinned upstream images, charts and git sources', () => {
    const out = images(['--env', 'prod']).stdout;
    expect(out).toContain('docker.io/mccutchen/go-httpbin:v2.19.0');
    expect(out).toContain('docker.io/curlimages/curl:8.5.0');
    expect(out).toContain('quay.io/cilium/cilium:v1.19.1  # cilium');
    expect(out).toContain('docker.io/istio/ztunnel:1.29.0  # ztunnel');
    expect(out).toContain('https://helm.cilium.io/ cilium 1.19.1');
    expect(out).toContain('https://charts.konghq.com ingress 0.22.0');
    expect(out).toContain('https://github.com/kubernetes-sigs/gateway-api.git config/crd/standard v1.5.0');
  });

  test('follows the environment: no Istio images where Istio is skipped', () => {
    const out = images(['--env', 'dev']).stdout;
    expect(out).not.toContain('istio');
    expect(out).toContain('docker.io/curlimages/curl:latest');
  });

  test('the mirror list targets are exactly where the override points the charts and our workloads', () => {
    const harbor = 'harbor.corp.example/lab';
    const lines = images(['--env', 'prod', '--registry', harbor, '--mirror-list']).stdout.trim().split('\n');
    const targets = new Set(lines.map((l) => l.split(' ')[1]));
    expect(targets).toContain(`${harbor}/cilium/cilium:v1.19.1`);
    expect(targets).toContain(`${harbor}/kong:3.9`);
    const mirrored = { ...ENVIRONMENTS.prod, registry: harbor };
    for (const image of inventory(renderEnvironment(mirrored, COMPONENTS), UPSTREAM_COMPONENTS).ourImages) expect(targets).toContain(image);
    const apps = renderEnvironment(mirrored, COMPONENTS).files.filter((f) => f.object.kind === 'Application').map((f) => (f.object.spec as any).source);
    const repos = imageRepositories(apps);
    const targetRepos = [...targets].map((t) => t.replace(/:[^:/]+$/, ''));
    for (const repo of repos) expect({ repo, mirrored: targetRepos.some((t) => t === repo || t.startsWith(`${repo}/`) || t.startsWith(`${repo}-`)) }).toEqual({ repo, mirrored: true });
  });

  test('bad input gets one line and a non-zero exit', () => {
    const result = images(['--env', 'qa']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("images: error: unknown environment 'qa': use --env with one of dev, stg, prod");
    expect(mirrorList({ ourImages: ['docker.io/a/b:1'], upstreamImages: [], helmCharts: [], gitSources: [] }, 'h.io/p')).toEqual(['docker.io/a/b:1 h.io/p/a/b:1']);
  });
});
