import { DemoApp } from './charts/demo-app';
import { PlatformGuardrails, PRIORITY_CLASSES } from './charts/platform-guardrails';
import { ChartComponent } from './lib/synth';
import { SYNC_WAVES } from './lib/waves';

/** The namespace the seed's demo app and its guardrails live in. */
export const DEMO_NAMESPACE = 'demo';

/** Kong's proxy Service as the upstream `ingress` chart names it (release `kong`). */
export const KONG_PROXY = { name: 'kong-gateway-proxy', namespace: 'kong', port: 80 } as const;

const BACKEND_SELECTOR = { app: 'backend' };

/**
 * The component registry: the one list that synth, the App-of-Apps and the
 * checks all read. Order here is not render order; waves decide sync order.
 */
export const COMPONENTS: readonly ChartComponent[] = [
  {
    name: 'platform',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.platform,
    enabled: () => true,
    build: (scope, id, env) =>
      new PlatformGuardrails(scope, id, {
        env: env.name,
        settings: env.platform,
        namespace: DEMO_NAMESPACE,
        backendSelector: BACKEND_SELECTOR,
      }),
  },
  {
    name: 'demo',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.demo,
    enabled: () => true,
    build: (scope, id, env) =>
      new DemoApp(scope, id, {
        env: env.name,
        team: env.team,
        domain: env.domain,
        namespace: DEMO_NAMESPACE,
        settings: env.demo,
        registry: env.registry,
        backendPriorityClass: PRIORITY_CLASSES.high.name,
        kongProxy: KONG_PROXY,
      }),
  },
];
