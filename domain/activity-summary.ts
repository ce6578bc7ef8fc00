/**
 * The one line the Temporal Web UI shows for an activity, so that a mesh's, a rotation's or a drill's
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
  deleteRotationSchedule: (mesh: string) => `delete the CA rotation schedule of mesh ${mesh}`,
  startRootRotation: (rotationId: string, keyType: string) => `start ${rotationId}, the root CA rotation to a new ${keyType.replace('_', ' ')} root`,
  // The holder is a rotation's or a drill's workflow ID: the lease check asks whether it still runs.
  holderRunning: (holder: string) => `check that ${holder}, holding the mesh, still runs`,
  // A repair round checks again; its row says which round it closes, so the rounds read apart.
  driftCheck: (resources: number, afterRound?: number) =>
    `check ${resources} resources for drift${afterRound === undefined ? '' : ` · again after repair round ${afterRound}`}`,
};

interface Cell {
  cell: string;
  cloud: 'aws' | 'azure';
}

const cloudCell = (c: Cell) => `${c.cloud === 'aws' ? 'AWS' : 'Azure'} cell ${c.cell}`;

/**
 * The lines for a CA rotation's activities: which cluster's cacerts each write changes and
 * to what, so one cluster's write, pick-up wait and restore read as one story. Fingerprints
 * and the root's secret name stay out: a row names the step, not the material.
 */
export const rotationActivitySummary = {
  claim: (mesh: string, what: string) => `claim mesh ${mesh} for the ${what}`,
  release: (mesh: string, what: string) => `let go of mesh ${mesh} after the ${what}`,
  rotateIntermediate: (c: Cell) => `write cacerts of cell ${c.cell} · new intermediate from the current root`,
  signWithNextRoot: (c: Cell) => `write cacerts of cell ${c.cell} · new intermediate from the new root`,
  setTrust: (c: Cell, roots: readonly ('current' | 'next')[]) =>
    `write cacerts of cell ${c.cell} · trust ${roots.length > 1 ? 'the current and the new root' : roots[0] === 'next' ? 'the new root only' : 'the current root only'}`,
  restoreCacerts: (c: Cell) => `restore the previous cacerts of cell ${c.cell}`,
  awaitPickup: (c: Cell) => `await istiod pick-up on cell ${c.cell}`,
  checkCluster: (c: Cell) => `check cacerts and istiod on cell ${c.cell}`,
  prepareNextRoot: (mesh: string, keyType: string) => `make the next root CA of mesh ${mesh} · ${keyType.replace('_', ' ')}`,
  promoteNextRoot: (region: string) => `make the new root CA current in AWS Secrets Manager ${region} · retire the old key`,
};

/** The lines for a failover drill's activities: each names the cell it probes, cuts or heals. */
export const drillActivitySummary = {
  deployProbe: (c: Cell) => `drill: deploy the probe on cell ${c.cell}`,
  crossCellCall: (from: Cell, to: string) => `drill: call cell ${to}'s echo from cell ${from.cell} over mutual TLS`,
  measureFailover: (c: Cell) => `drill: cut ${cloudCell(c)} · measure failover to another cell`,
  measureFailback: (c: Cell) => `drill: heal ${cloudCell(c)} · measure failback`,
  removeProbe: (c: Cell) => `drill: remove the probe from cell ${c.cell}`,
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
