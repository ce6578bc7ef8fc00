/**
 * The plan for changing a live mesh from one spec to another, computed from the two specs
 * alone: every resource of both clouds and every cell as create, update in place,
 * replace, delete or unchanged, with the fields that cause it, how long the clouds take,
 * and what traffic it interrupts. New tunnel inside CIDRs are updates in place (the Azure
 * gateway's custom BGP addresses, the VPN connections' tunnels, the local gateways and
 * connections carrying the addresses). A replacement the request did not allow is refused,
 * naming the resource, the field and the cloud's rule. An allowed one is applied when it
 * stays inside the cells (a cluster, its node pool or subnet, and the Istio and remote
 * secrets built on them), inside the tunnels (the customer gateways, VPN connections,
 * local network gateways and connections: the Azure gateway's ASN), at the transit gateway
 * (its ASN: the transit gateway, its attachment and route, and the tunnels on it), at the
 * VPC (its range or its subnets': the VPC, subnets, attachment, route and every AWS cell), at
 * the GatewaySubnet (its prefix: the subnet, the VPN gateway in it and its connections), at
 * AWS's route to Azure (the VNet's range, the VNet itself updated in place), at the resource
 * group (its name: everything of the mesh in Azure, the tunnels and the Azure cells' Istio) or
 * at the operator's VPC (another one, or a move between the mesh's VPC and the operator's: the
 * attachment, route and every AWS cell; the operator's VPC and subnets are only let go of,
 * never deleted); one that starts at the gateway's public IPs or in the mesh's root CA is
 * refused as not applied, saying why (docs/live-backbone.md).
 * Of the root CA only a move to or from a root by reference is: a generated root of another
 * key type replaces nothing built on it; it and the cells' cacerts are applied by the root
 * rotation the mesh starts once the change stands (the plan's `rootRotation`).
 */
import { backboneGraph, meshScope } from './backbone-graph.ts';
import { cloudLatency } from './cloud-latency.ts';
import { changeRule } from './change-rules.ts';
import { ISTIO_ID } from './istio-graph.ts';
import { meshGraph, type MeshNode } from './mesh-graph.ts';
import type { MeshSpec } from './mesh-spec.ts';
import { placeChanges } from './mesh-place.ts';
import type { NamingVersion } from './names.ts';
import type { Problem } from './problems.ts';
import { criticalPath, type ResourceNode } from './resource-graph.ts';
import { rootRotationSeconds } from './rotation.ts';

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'unchanged';

export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

export interface PlannedChange {
  id: string;
  kind: string;
  action: ChangeAction;
  /** The params that differ (update, replace). */
  fields: FieldChange[];
  /** A replacement that follows from another: the resource it is built on, which is replaced. */
  replacedWith?: string;
  /** The clouds' real-world seconds for this resource's part (a replacement deletes, then creates). */
  expectedSeconds: number;
  /** What stops while this happens; absent when no traffic is interrupted. */
  interrupts?: string;
  /** Not applied by the change itself but by the root rotation the mesh starts once the change stands (the plan's `rootRotation`). */
  appliedBy?: 'root-rotation';
}

/** The root rotation that takes a live mesh to a root of another key type, started by the mesh once the change stands. */
export interface RootRotationPlan {
  /** The root's key type, now and then. */
  keyType: FieldChange;
  /** At most, after the change stands: three phases in every cell and one workload certificate lifetime (domain/rotation.ts). */
  expectedSeconds: number;
  /** What it does, in words. */
  description: string;
}

export interface ChangePlan {
  changes: PlannedChange[];
  summary: Record<ChangeAction, number>;
  /** The longest chain of dependent changes: how long the whole change takes at best. */
  expectedSeconds: number;
  interruptsTraffic: boolean;
  /** Replacements the request did not allow or a live mesh does not apply, Kubernetes version steps the clouds refuse: the change is refused while any is listed. */
  refused: Problem[];
  /** A new key type of the mesh's generated root: applied by a root rotation once the change stands; its time is not in `expectedSeconds`. */
  rootRotation?: RootRotationPlan;
}

export interface PlanOptions {
  /** Names the mesh's resources were built with; the new spec keeps them. */
  naming: NamingVersion;
  /** Resources the clouds cannot change in place may be deleted and made again. */
  allowReplace: boolean;
}

const VALUE_CHARS = 80;

export function planChange(current: MeshSpec, next: MeshSpec, options: PlanOptions): ChangePlan {
  const before = byId(meshGraph(current, options.naming).nodes);
  const after = byId(meshGraph(next, options.naming).nodes);
  const decided = new Map<string, Omit<PlannedChange, 'expectedSeconds' | 'interrupts'>>();
  for (const [id, node] of after) {
    const old = before.get(id);
    decided.set(id, old ? compare(old, node) : { id, kind: node.kind, action: 'create', fields: [] });
  }
  for (const [id, node] of before) if (!after.has(id)) decided.set(id, { id, kind: node.kind, action: 'delete', fields: [] });
  const rotation = rootRotation(before.get(ISTIO_ID.root), after.get(ISTIO_ID.root), next);
  // A root rotation moves every cell to the new root in place: nothing is made again for it.
  cascadeReplacements(decided, after, rotation ? ISTIO_ID.root : undefined);

  const changes = [...decided.values()].map(withCost).map((c) => (rotation ? takenByRotation(c, rotation) : c)).sort((a, b) => a.id.localeCompare(b.id));
  const summary: Record<ChangeAction, number> = { create: 0, update: 0, replace: 0, delete: 0, unchanged: 0 };
  for (const c of changes) summary[c.action] += 1;
  // Each replacement is listed once, by the resource whose own fields force it; what is built on it follows it.
  const replaced = changes.filter((c) => c.action === 'replace' && !c.replacedWith);
  const shared = sharedResources(current, next, options.naming);
  return {
    changes,
    summary,
    expectedSeconds: longestChain(changes, before, after),
    interruptsTraffic: changes.some((c) => c.interrupts !== undefined),
    refused: [
      ...placeChanges(current, next),
      ...changes.flatMap(versionStepProblems),
      ...(options.allowReplace ? replaced.filter((c) => shared.has(c.id) && !c.appliedBy).map((c) => notApplied(c, changes)) : replaced.map((c) => refusal(c, changes))),
    ],
    ...(rotation ? { rootRotation: rotation } : {}),
  };
}

/**
 * A generated root of another key type, kept under the same name: what cellbridge's root
 * rotation makes (workflows/rotate-ca.ts takes the key type from the spec it is given). A root
 * by reference, or a move to or from one, is not: the rotation never rotates a user's root.
 */
function rootRotation(old: MeshNode | undefined, node: MeshNode | undefined, next: MeshSpec): RootRotationPlan | undefined {
  if (old?.kind !== 'pki.rootCa' || node?.kind !== 'pki.rootCa') return undefined;
  const [from, to] = [old.params, node.params];
  if (from.userSupplied || to.userSupplied || from.secretName !== to.secretName || from.keyType === to.keyType) return undefined;
  return {
    keyType: { field: 'keyType', from: from.keyType, to: to.keyType },
    expectedSeconds: rootRotationSeconds(next.pki.rotation),
    description:
      `a root rotation the mesh starts once the change stands: every cell trusts the current root and a new ${to.keyType} root, then signs with an intermediate of the new root, ` +
      `then, after one workload certificate lifetime (${next.pki.rotation.workloadCertTtlSeconds} s), trusts only the new root; nothing in the clouds is made again and no cell is remade`,
  };
}

/** The root itself, and every cell's cacerts updated with it (a new key type, a new validity): the rotation writes them. */
function takenByRotation(change: PlannedChange, rotation: RootRotationPlan): PlannedChange {
  if (change.id === ISTIO_ID.root) return { ...change, expectedSeconds: rotation.expectedSeconds, appliedBy: 'root-rotation' };
  if (change.kind === 'kube.cacerts' && change.action === 'update') return { ...change, appliedBy: 'root-rotation' };
  return change;
}

/**
 * What every cell stands on and a live mesh does not make again, and why: the gateway's
 * public IPs and the root CA. The rest of the backbone is not listed: it is made again as a
 * cell's resources are, with the tunnels verified up before the change stands
 * (workflows/apply-change.ts). That includes the resource group (the mesh makes it and refuses
 * one it did not make, activities/azure/arm-resource.ts, so the old one it deletes is its own)
 * and the operator's VPC and subnets (taken down, their handlers delete nothing: the engine keeps
 * a referenced resource, activities/aws/vpc.ts; what the mesh made in them, the attachment and
 * its route, goes). A kind also used inside a cell (an AKS cell's own azure.subnet) is judged by
 * node: only the backbone's. No spec field replaces the gateway's public IPs today (their params
 * are the mesh's names); one that did would move AWS's end of every tunnel, so it stays refused.
 */
const NOT_APPLIED_LIVE: Readonly<Record<string, string>> = {
  'azure.publicIp': "the Azure VPN gateway would be made again with it (over an hour in Azure), and AWS's customer gateways and VPN connections with new outside IPs and keys",
  'pki.rootCa':
    "every cell trusts it, and another root is taken in only by a root rotation in every cell, which moves a mesh only to a root cellbridge generates: a root by reference is its owner's, never rotated by cellbridge",
};

/**
 * What carries the four tunnels, and the VPC attachment, whose VPC's range is what AWS
 * advertises over them (a tunnel is Established only once it carries routes): a change that
 * makes one of them again stands only once BGP is established on every tunnel again.
 */
const TUNNEL_KINDS: ReadonlySet<string> = new Set(['aws.customerGateway', 'aws.vpnConnection', 'azure.localNetworkGateway', 'azure.connection', 'aws.transitGatewayVpcAttachment']);

/**
 * Whether the change stands only once BGP is established on every tunnel again: it makes a
 * tunnel's resource again, updates one in place (new inside CIDRs renegotiate the tunnel), or
 * updates the Azure gateway's custom BGP addresses (every session's Azure end).
 */
export function remakesTunnels(plan: ChangePlan): boolean {
  return plan.changes.some(
    (c) =>
      ((c.action === 'replace' || c.action === 'update') && TUNNEL_KINDS.has(c.kind)) ||
      (c.action === 'update' && c.kind === 'azure.vpnGateway' && c.fields.some((f) => f.field.startsWith('instanceBgpAddresses'))),
  );
}

function sharedResources(current: MeshSpec, next: MeshSpec, naming: NamingVersion): Set<string> {
  const before = backboneGraph(current, meshScope(current, naming)).nodes;
  const after = backboneGraph(next, meshScope(next, naming)).nodes;
  const ids = [...before, ...after].filter((n) => n.kind in NOT_APPLIED_LIVE).map((n) => n.id);
  return new Set([...ids, ISTIO_ID.root]);
}

function notAppliedReason(change: PlannedChange): string {
  return NOT_APPLIED_LIVE[change.kind] ?? 'every cell stands on it';
}

/** Names the field, both values, why a live mesh does not make it again, and how many resources would go with it. */
function notApplied(change: PlannedChange, changes: PlannedChange[]): Problem {
  const forcing = forcingFields(change);
  const followers = dependentsReplacedWith(change.id, changes);
  return {
    path: `${change.id}.${forcing.map((f) => f.field).join(',')}`,
    rule: 'change.replace-not-applied',
    message:
      `${change.id} (${change.kind}) would be deleted and made again (${forcing.map((f) => `${f.field} ${f.from} → ${f.to}`).join('; ')}` +
      `${followers > 0 ? `, with ${followers} resource(s) built on it` : ''}): a live mesh does not make it again: ${notAppliedReason(change)}. ` +
      `Keep ${forcing.map((f) => f.field).join(', ')} as it is, or DELETE the mesh and POST the new spec`,
  };
}

/** EKS and AKS upgrade a cluster one Kubernetes minor version at a time, and never back. */
function versionStepProblems(change: PlannedChange): Problem[] {
  const version = change.fields.find((f) => f.field === 'kubernetesVersion');
  if (!version || change.action !== 'update') return [];
  const [from, to] = [minorOf(version.from), minorOf(version.to)];
  if (from === undefined || to === undefined || to === from + 1) return [];
  const message = to < from
    ? `${change.id}: kubernetesVersion ${version.from} → ${version.to}: a cluster is never downgraded; keep ${version.from}`
    : `${change.id}: kubernetesVersion ${version.from} → ${version.to}: EKS and AKS upgrade one minor version at a time; go to "1.${from + 1}" first`;
  return [{ path: `${change.id}.kubernetesVersion`, rule: to < from ? 'change.kubernetes-downgrade' : 'change.kubernetes-minor-skipped', message }];
}

function minorOf(shownVersion: string): number | undefined {
  const match = /^"1\.(\d+)"$/.exec(shownVersion);
  return match ? Number(match[1]) : undefined;
}

function byId(nodes: MeshNode[]): Map<string, MeshNode> {
  return new Map(nodes.map((n) => [n.id, n]));
}

function compare(old: MeshNode, node: MeshNode): Omit<PlannedChange, 'expectedSeconds' | 'interrupts'> {
  const fields = differences(old.params, node.params, '');
  if (fields.length === 0) return { id: node.id, kind: node.kind, action: 'unchanged', fields };
  const replaceOn = changeRule(node.kind).replaceOn;
  // A VPC made by the mesh and one the operator brought are different resources under one ID.
  if (old.kind !== node.kind) return { id: node.id, kind: node.kind, action: 'replace', fields: [{ field: 'kind', from: old.kind, to: node.kind }, ...fields] };
  const replaces = fields.some((f) => topField(f.field) in replaceOn || isIdentity(topField(f.field)));
  return { id: node.id, kind: node.kind, action: replaces ? 'replace' : 'update', fields };
}

/**
 * A resource made again takes what is built on it along: a new VPC means new subnets, a new cluster new node groups.
 * `inPlace` is replaced without that: a root the rotation moves every cell to.
 */
function cascadeReplacements(decided: Map<string, Omit<PlannedChange, 'expectedSeconds' | 'interrupts'>>, after: Map<string, MeshNode>, inPlace?: string): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, node] of after) {
      const entry = decided.get(id)!;
      if (entry.action === 'replace' || entry.action === 'create') continue;
      const replacedDependency = node.dependsOn.find((d) => d !== inPlace && decided.get(d)?.action === 'replace');
      if (!replacedDependency) continue;
      entry.action = 'replace';
      entry.replacedWith = replacedDependency;
      changed = true;
    }
  }
}

function withCost(change: Omit<PlannedChange, 'expectedSeconds' | 'interrupts'>): PlannedChange {
  const latency = cloudLatency(change.kind);
  const rule = changeRule(change.kind);
  const seconds = { create: latency.create, update: latency.update, replace: latency.delete + latency.create, delete: latency.delete, unchanged: 0 }[change.action];
  const interrupts = change.action === 'replace' || change.action === 'delete' ? rule.interrupts : change.action === 'update' ? rule.updateInterrupts : undefined;
  return { ...change, expectedSeconds: seconds, ...(interrupts ? { interrupts } : {}) };
}

/** Changes wait on the changes of what they depend on (in either spec's graph), as provisioning and teardown do; the root rotation follows the change. */
function longestChain(changes: PlannedChange[], before: Map<string, MeshNode>, after: Map<string, MeshNode>): number {
  const seconds = new Map(changes.map((c) => [c.id, c.appliedBy ? 0 : c.expectedSeconds]));
  const nodes: ResourceNode[] = changes.map((c) => {
    const deps = new Set([...(before.get(c.id)?.dependsOn ?? []), ...(after.get(c.id)?.dependsOn ?? [])]);
    return { id: c.id, kind: c.kind, params: undefined, dependsOn: [...deps].filter((d) => seconds.has(d)) };
  });
  return criticalPath({ nodes }, (n) => seconds.get(n.id) ?? 0).total;
}

/** Names the resource, the field and the cloud's rule; what is built on it and would go with it is counted. */
function refusal(change: PlannedChange, changes: PlannedChange[]): Problem {
  const rule = changeRule(change.kind).replaceOn;
  const forcing = forcingFields(change);
  const causes = forcing.map((f) => `${f.field} ${f.from} → ${f.to} (${rule[topField(f.field)] ?? "it is the resource's identity"})`);
  const followers = dependentsReplacedWith(change.id, changes);
  const path = `${change.id}.${forcing.map((f) => f.field).join(',')}`;
  if (change.appliedBy === 'root-rotation') {
    return {
      path,
      rule: 'change.replace-not-allowed',
      message:
        `${change.id} (${change.kind}) cannot change in place: ${causes.join('; ')}. Send the change with ?allowReplace=true to have it applied by a root rotation ` +
        `the mesh starts once the change stands (every cell trusts both roots, signs with the new one, then trusts only it; nothing is remade), or keep ${forcing.map((f) => f.field).join(', ')} as it is`,
    };
  }
  return {
    path,
    rule: 'change.replace-not-allowed',
    message:
      `${change.id} (${change.kind}) cannot change in place and would be deleted and made again: ${causes.join('; ')}` +
      `${followers > 0 ? `, and ${followers} resource(s) built on it with it` : ''}. ` +
      `${change.interrupts ? `That interrupts ${change.interrupts}. ` : ''}Send the change with ?allowReplace=true to accept that, or keep ${forcing.map((f) => f.field).join(', ')} as it is`,
  };
}

/** The fields that make a resource be deleted and made again, rather than changed in place. */
function forcingFields(change: PlannedChange): FieldChange[] {
  const rule = changeRule(change.kind).replaceOn;
  return change.fields.filter((f) => f.field === 'kind' || topField(f.field) in rule || isIdentity(topField(f.field)));
}

function dependentsReplacedWith(id: string, changes: PlannedChange[]): number {
  const followers = new Set<string>([id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of changes) {
      if (c.replacedWith && followers.has(c.replacedWith) && !followers.has(c.id)) {
        followers.add(c.id);
        grew = true;
      }
    }
  }
  return followers.size - 1;
}

/** Leaf-level differences, as dotted paths with both values shortened for reading. */
function differences(a: unknown, b: unknown, path: string): FieldChange[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    return Array.from({ length }, (_, i) => differences(a[i], b[i], `${path}.${i}`)).flat();
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !(path === '' && k === 'scope') && !inResourceGroup(path, k)).sort();
    return keys.flatMap((k) => differences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ field: path, from: shown(a), to: shown(b) }];
}

/**
 * A reference to a cluster carries the whole scope, the resource group with it, only to find
 * an AKS cluster; every node in Azure depends on the group's node (directly or through the
 * VNet), so a new group replaces them and what is built on them by its cascade. Counted here it
 * would also remake an EKS cell's Istio, which lives nowhere near the group.
 */
function inResourceGroup(path: string, key: string): boolean {
  return key === 'resourceGroup' && path.endsWith('.scope.azure');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

function topField(field: string): string {
  return field.split('.')[0]!;
}

function isIdentity(field: string): boolean {
  return field === 'name' || field.endsWith('Node') || field.endsWith('Nodes');
}
