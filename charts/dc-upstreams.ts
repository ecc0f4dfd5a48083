// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { MigratedService } from '../config';
import { dcServiceName } from '../lib/traffic';

export interface DcUpstreamsProps extends PlatformChartProps {
  readonly services: readonly MigratedService[];
}

/** The port name the DC Service and its EndpointSlice share (a slice's ports match a Service's by name). */
export const DC_PORT_NAME = 'http';

/**
 * Seed 10-3, Strangler Fig: for each service on its way from the DC to
 * Kubernetes, a Service without a selector whose EndpointSlice points at the
 * DC server, so Kong's route can weigh Kubernetes against the DC and roll
 * back by moving the weight. No pod is involved; the DC keeps serving.
 */
export class DcUpstreams extends PlatformChart {
  constructor(scope: Construct, id: string, props: DcUpstreamsProps) {
    super(scope, id, props);
    for (const m of props.services) {
      const name = dcServiceName(m.service);
      const labels = { app: name, team: props.env.team };
      new k8s.KubeService(this, `${name}-service`, {
        metadata: { name, labels },
        spec: { ports: [{ name: DC_PORT_NAME, port: m.dcUpstream.port, protocol: 'TCP' }] },
      });
      new k8s.KubeEndpointSlice(this, `${name}-endpoints`, {
        metadata: { name, labels: { ...labels, 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [m.dcUpstream.address], conditions: { ready: true } }],
        ports: [{ name: DC_PORT_NAME, port: m.dcUpstream.port, protocol: 'TCP' }],
      });
    }
  }
}
