import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { DemoSettings } from '../config';
import { WorkloadIdentity } from '../lib/labels';
import { DemoBackend } from './demo/backend';
import { BACKEND_SERVICE_PORT } from '../lib/traffic';
import { DemoFrontend } from './demo/frontend';
import { LoadGenerator } from './demo/load-generator';

export interface DemoAppProps extends PlatformChartProps {
  readonly settings: DemoSettings;
  /** Priority class of the backend; must exist in the platform chart. */
  readonly backendPriorityClass: string;
  /** The Kong proxy Service that north-south traffic goes through (`<name>.<namespace>`). */
  readonly kongProxy: { readonly name: string; readonly namespace: string; readonly port: number };
}

/**
 * Seed sections 9 and 11: httpbin backend, curl frontend, the backend
 * Service and the load generator. Every workload passes the four
 * Gatekeeper rules: labels, non-root, not privileged, resource limits.
 */
export class DemoApp extends PlatformChart {
  constructor(scope: Construct, id: string, props: DemoAppProps) {
    super(scope, id, props);
    const identity = (app: string): WorkloadIdentity => ({ app, env: props.env.name, team: props.env.team });
    const { backend, frontend, loadGenerator } = props.settings;
    const common = { namespace: props.namespace };
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
        northSouthHost: `api.${props.env.domain}`,
      });
    }
  }
}
