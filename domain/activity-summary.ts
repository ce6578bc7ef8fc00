/**
 * The one line the Temporal Web UI shows for a resource activity, so that a mesh's
 * timeline reads like the runbook ("create azure connection cells-to-aws-t2 · tunnel 2
 * 169.254.21.4/30", "install istiod on cell west") instead of rows of identical activity types.
 */
import type { ResourceNode } from './resource-graph.ts';

type Verb = 'create' | 'update' | 'delete';

/** Words a person uses for each kind; unknown kinds show as they are. */
const SUBJECT: Readonly<Record<string, string>> = {
  'aws.vpc': 'AWS VPC',
  'aws.existingVpc': 'existing AWS VPC',
  'aws.subnet': 'AWS subnet',
  'aws.existingSubnet': 'existing AWS subnet',
  'aws.transitGateway': 'AWS transit gateway',
  'aws.transitGatewayVpcAttachment': 'AWS transit gateway attachment',
  'aws.vpcRoute': 'AWS VPC route to',
  'aws.customerGateway': 'AWS customer gateway',
  'aws.vpnConnection': 'AWS VPN connection',
  'aws.iamRole': 'IAM role',
  'aws.eksCluster': 'EKS cluster',
  'aws.eksAccessEntry': 'EKS access entry of',
  'aws.eksNodegroup': 'EKS node group',
  'azure.resourceGroup': 'Azure resource group',
  'azure.virtualNetwork': 'Azure VNet',
  'azure.subnet': 'Azure subnet',
  'azure.publicIp': 'Azure public IP',
  'azure.vpnGateway': 'Azure VPN gateway',
  'azure.localNetworkGateway': 'Azure local network gateway',
  'azure.connection': 'Azure connection',
  'azure.aksCluster': 'AKS cluster',
  'pki.rootCa': 'root CA',
  'kube.istioNamespace': 'istio-system namespace',
  'kube.cacerts': 'cacerts',
  'kube.helmRelease': 'Helm release',
  'kube.manifest': 'Istio objects',
  'kube.remoteSecret': 'remote secret',
};

interface Tunnel {
  index: number;
  insideCidr: string;
}

export function activitySummary(verb: Verb, node: ResourceNode): string {
  const p = (node.params ?? {}) as Record<string, unknown>;
  // A cell's Istio objects come in named groups (the node ID's last part: cross-network-gateway, traffic-policies).
  const group = node.kind === 'kube.manifest' ? node.id.split('/').at(-1) : undefined;
  const name = text(p.name) ?? text(p.release) ?? text(p.destinationCidr) ?? text(p.clusterName) ?? text(p.secretName) ?? group;
  return [`${verb} ${SUBJECT[node.kind] ?? node.kind}${name ? ` ${name}` : ''}`, where(p), tunnels(p)].filter(Boolean).join(' · ');
}

/**
 * The lines for the mesh's activities that make no resource of its graph (observations of
 * both clouds or of a cluster, the rotation schedule): without them a mesh with two cells
 * shows two identical `inspectIstio` and two identical `probeClusterAccess` rows.
 */
export const meshActivitySummary = {
  // Indexes only: a poll's row sits beside the busiest part of the timeline, where a long label is cut short.
  tunnels: (tunnels: readonly Tunnel[]) => `observe BGP on AWS and Azure · ${tunnels.length > 1 ? 'tunnels' : 'tunnel'} ${tunnels.map((t) => t.index).join(', ')}`,
  learnedRoutes: () => 'read the routes each cloud learned over BGP',
  clusterAccess: (cell: { cell: string; cloud: string; clusterName: string }) =>
    `probe the API server of cell ${cell.cell} · ${cell.cloud === 'aws' ? 'EKS' : 'AKS'} ${cell.clusterName}`,
  istio: (cell: { cell: string }) => `inspect Istio on cell ${cell.cell}`,
  rotationSchedule: (mesh: string) => `ensure the CA rotation schedule of mesh ${mesh}`,
};

function where(p: Record<string, unknown>): string | undefined {
  const cell = (ref: unknown) => text((ref as { cell?: unknown } | undefined)?.cell);
  if (cell(p.source) && cell(p.target)) return `in cell ${cell(p.source)}, for cell ${cell(p.target)}`;
  if (cell(p.cluster)) return `on cell ${cell(p.cluster)}`;
  return text(p.cell) ? `cell ${text(p.cell)}` : undefined;
}

function tunnels(p: Record<string, unknown>): string | undefined {
  const list = (p.tunnel ? [p.tunnel] : Array.isArray(p.tunnels) ? p.tunnels : []) as Tunnel[];
  if (list.length === 0) return undefined;
  return `${list.length > 1 ? 'tunnels' : 'tunnel'} ${list.map((t) => `${t.index} ${t.insideCidr}`).join(', ')}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
