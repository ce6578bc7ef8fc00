/**
 * The failover drill's probe, as Kubernetes objects for one cell: an echo Deployment and
 * Service with a sidecar (in every cell, so the mesh has one echo service with endpoints in
 * every cloud), a Service for that cell's echo alone (how another cell reaches exactly this
 * one), a client with a sidecar, and a DestinationRule for the shared echo host whose
 * outlier detection ejects a failing echo and whose locality failover prefers the caller's
 * own network. Sidecars need no traffic capture: each workload's listeners are explicit
 * (`Sidecar` resources), which Istio supports with and without iptables.
 * Service accounts carry the cell's name, so the SPIFFE ID an echo sees names the caller's cell.
 */
import type { Cell, MeshSpec } from './mesh-spec.ts';
import { PROBE_NAMES } from './names.ts';

/** The probe's ports (probe/probe.ts): the echo answers on APP behind its sidecar's INBOUND; CONTROL is reached through the API server's pod proxy only. */
export const PROBE_PORTS = { service: 80, echoInbound: 8080, echoApp: 9080, echoControl: 9081, client: 9090 } as const;
/** Where the client's sidecar listens for the client's outbound calls (loopback: nothing captures them). */
export const CLIENT_EGRESS = { bind: '127.0.0.1', port: 80 } as const;
/** The echo's sidecar needs one narrow egress listener, or istiod binds every service port on the loopback; it calls nothing. */
const ECHO_EGRESS = { bind: '127.0.0.2', port: 15999 } as const;

export interface ProbeOutlierDetection {
  consecutive5xxErrors: number;
  intervalSeconds: number;
  baseEjectionSeconds: number;
}

/** Short enough that a drill fails back within seconds: the echo is ejected at its first 5xx and back after baseEjectionSeconds. */
export const DRILL_OUTLIER_DETECTION: ProbeOutlierDetection = { consecutive5xxErrors: 1, intervalSeconds: 1, baseEjectionSeconds: 5 };

export interface ProbeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export const probeHosts = {
  /** The echo service every cell has: the drill's traffic. */
  shared: () => `${PROBE_NAMES.echo}.${PROBE_NAMES.namespace}.svc.cluster.local`,
  /** The echo of one cell only. */
  of: (cell: string) => `${PROBE_NAMES.echo}-${cell}.${PROBE_NAMES.namespace}.svc.cluster.local`,
};

export const probeAccounts = {
  echo: (cell: string) => `${PROBE_NAMES.echo}-${cell}`,
  client: (cell: string) => `${PROBE_NAMES.client}-${cell}`,
};

/** The SPIFFE ID of a probe workload's service account in the mesh's trust domain. */
export function probeSpiffeId(spec: Pick<MeshSpec, 'istio'>, account: string): string {
  return `spiffe://${spec.istio.trustDomain}/ns/${PROBE_NAMES.namespace}/sa/${account}`;
}

export function probeObjects(cell: Pick<Cell, 'name'>, image: string, outlier: ProbeOutlierDetection = DRILL_OUTLIER_DETECTION): ProbeObject[] {
  const namespace = PROBE_NAMES.namespace;
  const labels = { 'app.kubernetes.io/managed-by': 'cellbridge', 'app.kubernetes.io/part-of': 'cellbridge-drill' };
  const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace, labels: { ...labels, ...extra } });
  const echoService = (name: string) => ({
    apiVersion: 'v1', kind: 'Service', metadata: meta(name),
    spec: { selector: { app: PROBE_NAMES.echo }, ports: [{ name: 'http', port: PROBE_PORTS.service, targetPort: PROBE_PORTS.echoInbound }] },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(probeAccounts.echo(cell.name)) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(probeAccounts.client(cell.name)) },
    deployment(PROBE_NAMES.echo, probeAccounts.echo(cell.name), image, ['echo', '--port', String(PROBE_PORTS.echoApp), '--control-port', String(PROBE_PORTS.echoControl)], meta),
    deployment(PROBE_NAMES.client, probeAccounts.client(cell.name), image, ['client', '--port', String(PROBE_PORTS.client), '--egress', `${CLIENT_EGRESS.bind}:${CLIENT_EGRESS.port}`], meta),
    echoService(PROBE_NAMES.echo),
    echoService(`${PROBE_NAMES.echo}-${cell.name}`),
    sidecar(PROBE_NAMES.echo, meta, {
      ingress: [{ port: { number: PROBE_PORTS.echoInbound, protocol: 'HTTP', name: 'http' }, defaultEndpoint: `0.0.0.0:${PROBE_PORTS.echoApp}` }],
      egress: [{ port: { number: ECHO_EGRESS.port, protocol: 'TCP', name: 'tcp-none' }, bind: ECHO_EGRESS.bind, hosts: ['istio-system/istiod.istio-system.svc.cluster.local'] }],
    }),
    sidecar(PROBE_NAMES.client, meta, {
      egress: [{ port: { number: CLIENT_EGRESS.port, protocol: 'HTTP', name: 'http' }, bind: CLIENT_EGRESS.bind, captureMode: 'NONE', hosts: [`${namespace}/*`] }],
    }),
    {
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: meta(PROBE_NAMES.destinationRule),
      spec: {
        host: probeHosts.shared(),
        trafficPolicy: {
          loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['topology.istio.io/network'] } },
          outlierDetection: {
            consecutive5xxErrors: outlier.consecutive5xxErrors, interval: `${outlier.intervalSeconds}s`,
            baseEjectionTime: `${outlier.baseEjectionSeconds}s`, maxEjectionPercent: 100,
          },
        },
      },
    },
  ];
}

function deployment(app: string, account: string, image: string, args: string[], meta: (name: string) => ProbeObject['metadata']): ProbeObject {
  const field = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(app),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, 'sidecar.istio.io/inject': 'true' } },
        spec: {
          serviceAccountName: account,
          containers: [{ name: app, image, args, env: [field('POD_IP', 'status.podIP'), field('POD_NAME', 'metadata.name'), field('POD_NAMESPACE', 'metadata.namespace')] }],
        },
      },
    },
  };
}

function sidecar(app: string, meta: (name: string) => ProbeObject['metadata'], spec: object): ProbeObject {
  return { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: meta(app), spec: { workloadSelector: { labels: { app } }, ...spec } };
}
