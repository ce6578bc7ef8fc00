/**
 * Every cloud name cellbridge derives from a mesh spec, built here and nowhere else.
 *
 * Mesh-wide names are `<mesh>-<fixed suffix>`, one suffix per resource type, so two
 * meshes (whose names are unique) never share one. A cell's names combine two free
 * names, and `<mesh>-<cell>` alone is ambiguous: mesh `abc` + cell `d-ef` and mesh
 * `abc-d` + cell `ef` would share an EKS cluster and its IAM roles. Naming version 2
 * appends a digest of the pair, so each (mesh, cell) has its own names. Version 1 is
 * kept for meshes built before it: a mesh is torn down with the names it was built with
 * (docs/naming.md).
 */
import type { Cell } from './mesh-spec.ts';

export type NamingVersion = 1 | 2;

/** What new meshes are built with. */
export const CURRENT_NAMING: NamingVersion = 2;

export function backboneNames(mesh: string) {
  return {
    vnet: `${mesh}-vnet`,
    gatewaySubnet: 'GatewaySubnet',
    gatewayPublicIp: (i: number) => `${mesh}-gw-pip-${i}`,
    vpnGateway: `${mesh}-vpngw`,
    localGateway: (tunnel: number) => `${mesh}-aws-t${tunnel}`,
    connection: (tunnel: number) => `${mesh}-to-aws-t${tunnel}`,
    vpc: `${mesh}-vpc`,
    subnet: (i: number) => `${mesh}-subnet-${i}`,
    transitGateway: `${mesh}-tgw`,
    attachment: `${mesh}-tgw-vpc`,
    customerGateway: (i: number) => `${mesh}-azure-${i}`,
    vpnConnection: (i: number) => `${mesh}-vpn-${i}`,
  };
}

export function cellNames(mesh: string, cell: Pick<Cell, 'name'>, naming: NamingVersion) {
  const cluster = naming === 1 ? `${mesh}-${cell.name}` : `${mesh}-${cell.name}-${pairDigest(mesh, cell.name)}`;
  return {
    /** The EKS or AKS cluster, and Istio's cluster ID. At most 24 + 20 + 10 = 54 characters (AKS allows 63). */
    cluster,
    /** IAM role names are unique per account and at most 64 characters. */
    clusterRole: naming === 1 ? `cellbridge-${mesh}-${cell.name}-cluster` : `${cluster}-cluster`,
    nodeRole: naming === 1 ? `cellbridge-${mesh}-${cell.name}-node` : `${cluster}-node`,
    /** Scoped by its cluster. */
    nodegroup: `${cell.name}-system`,
    /** Scoped by the mesh's VNet. */
    aksSubnet: `aks-${cell.name}`,
  };
}

/**
 * 8 base-36 characters of FNV-1a (64-bit) over `mesh/cell`: '/' appears in neither name,
 * so distinct pairs hash distinct inputs. Pure arithmetic, so workflow code can call it.
 */
export function pairDigest(mesh: string, cell: string): string {
  const MASK = (1n << 64n) - 1n;
  let hash = 0xcbf29ce484222325n;
  // Names are ASCII ([a-z0-9-]), so a character is a byte.
  for (const char of `${mesh}/${cell}`) hash = ((hash ^ BigInt(char.charCodeAt(0))) * 0x100000001b3n) & MASK;
  return (hash % 36n ** 8n).toString(36).padStart(8, '0');
}

/** The failover drill's workflow IDs: `drill-<mesh>-<8 hex>`, so a mesh's drills are found by prefix. */
export function drillWorkflowIdPrefix(mesh: string): string {
  return `drill-${mesh}-`;
}

export function drillWorkflowId(mesh: string, suffix: string): string {
  return `${drillWorkflowIdPrefix(mesh)}${suffix}`;
}

/** What the drill deploys into every cell (domain/probe-plan.ts). */
export const PROBE_NAMES = {
  namespace: 'cellbridge-probe',
  echo: 'probe-echo',
  client: 'probe-client',
  /** The echo's DestinationRule: outlier detection and locality failover. */
  destinationRule: 'probe-echo-failover',
} as const;

/** The mesh a drill ID belongs to (read from the whole ID: `drill-abc-d-…` is mesh abc-d's), or undefined for anything else. */
export function drillIdOwner(drillId: string): string | undefined {
  const match = /^drill-([a-z0-9][a-z0-9-]*)-([0-9a-f]{8})$/.exec(drillId);
  return match?.[1];
}
