import { Construct } from 'constructs';
import { PlatformChart } from '../lib/platform-chart';
import { DemoSettings } from '../config';
import { WorkloadIdentity } from '../lib/labels';
import { BACKEND_SERVICE_PORT, DemoBackend } from './demo/backend';
import { DemoFrontend } from './demo/frontend';
import { LoadGenerator } from './demo/load-generator';

export interface DemoAppProps {
  readonly env: string;
  readonly team: string;
  readonly domain: string;
  readonly namespace: string;
  readonly settings: DemoSettings;
  readonly registry?: string;
  /** Priority class of the backend; must exist in the platform chart. */
  readonly backendPriorityClass: string;
  /** The Kong proxy Service that north-south traffic goes through (`<name>.<namespace>`). */
  readonly kongProxy: { readonly name: string; readonly namespace: string; readonly port: number };
}

export { BACKEND_CONTAINER_PORT, BACKEND_SERVICE_PORT } from './demo/backend';

/**
 * Seed sections 9 and 11: httpbin backend, curl frontend, the backend
 * Service and the load generator. Every workload passes the four
 * Gatekeeper rules: labels, non-root, not privileged, resource limits.
 */
export class DemoApp extends PlatformChart {
  constructor(scope: Construct, id: string, props: DemoAppProps) {
    super(scope, id, { env: props.env });
    const identity = (app: string): WorkloadIdentity => ({ app, env: props.env, team: props.team });
    const { backend, frontend, loadGenerator } = props.settings;
    const common = { namespace: props.namespace, registry: props.registry };
    // The load generator calls as the frontend tier, the identity the mesh and network policies admit.
    const [backendId, frontendId] = [identity('backend'), identity('frontend')];

    new DemoBackend(this, 'backend', {
      ...common,
      identity: identity('backend'),
      settings: backend,
      priorityClass: props.backendPriorityClass,
    });
    new DemoFrontend(this, 'frontend', { ...common, identity: frontendId, settings: frontend });
    if (loadGenerator.enabled) {
      new LoadGenerator(this, 'load-generator', {
        ...common,
        identity: identity('load-generator'),
        settings: loadGenerator,
        serviceAccount: frontendId.app,
        backend: { name: backendId.app, port: BACKEND_SERVICE_PORT },
        kongProxy: props.kongProxy,
        northSouthHost: `api.${props.domain}`,
      });
    }
  }
}
