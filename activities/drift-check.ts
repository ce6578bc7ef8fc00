/**
 * Reads every resource of a mesh's graph and compares it with its desired state
 * (domain/drift.ts): found by the same identity the engine uses, judged by the handler's
 * `drift` (the kind's `domain/*-parameters.ts` function, the one its create and update send)
 * and by its `phase`. Nothing is changed here; a repair goes through the engine's create and
 * update, driven by the mesh's workflow. Levels of the graph are read one after the other,
 * the nodes of a level in parallel, so a node whose dependency is gone is known before it is
 * read (its desired state cannot be known: it is `unchecked`).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ResourceKind } from '../domain/activity-names.ts';
import { isResourceKind } from '../domain/activity-names.ts';
import { dependencyOrder } from '../domain/change-steps.ts';
import { fieldDrift, shown, type FieldDrift, type ResourceDrift } from '../domain/drift.ts';
import type { KubeObject } from '../domain/istio-graph.ts';
import { ISTIO_NAMESPACE } from '../domain/istio-install.ts';
import { objectLabel } from '../domain/manifest-parameters.ts';
import { remoteSecretName } from '../domain/remote-secret-parameters.ts';
import type { Outputs, ResourceNode } from '../domain/resource-graph.ts';
import type { ResourceHandler } from './resource-handler.ts';

export interface CheckDriftInput {
  nodes: ResourceNode[];
  /** What each resource reported when it was last made ready: its dependents' desired state is built from these. */
  outputs: Outputs;
}

export interface DriftFindings {
  checked: number;
  drifts: ResourceDrift[];
}

const HEARTBEAT_TICK_MS = 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dispatched by kind at run time, as the resource activities are.
type AnyHandler = ResourceHandler<any, any>;

export async function checkDrift(handlers: Record<ResourceKind, AnyHandler>, input: CheckDriftInput): Promise<DriftFindings> {
  const ctx = Context.current();
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const found = new Map<string, ResourceDrift>();
  let read = 0;
  // A level can wait on slow reads (Helm, a throttled cloud): the server hears from the worker meanwhile.
  const heartbeat = setInterval(() => ctx.heartbeat({ detail: `read ${read} of ${input.nodes.length} resources` }), HEARTBEAT_TICK_MS);
  try {
    for (const level of levels(input.nodes)) {
      await Promise.all(level.map(async (id) => {
        const node = byId.get(id)!;
        if (!isResourceKind(node.kind)) throw ApplicationFailure.nonRetryable(`no handler for resource kind ${node.kind}`, 'UnknownKind');
        const drift = await checkNode(handlers[node.kind], node, input.outputs, (dep) => found.get(dep));
        if (drift) found.set(id, drift);
        read++;
      }));
    }
  } finally {
    clearInterval(heartbeat);
  }
  return { checked: input.nodes.length, drifts: dependencyOrder({ nodes: input.nodes }).flatMap((id) => found.get(id) ?? []) };
}

async function checkNode(handler: AnyHandler, node: ResourceNode, outputs: Outputs, earlier: (id: string) => ResourceDrift | undefined): Promise<ResourceDrift | undefined> {
  const base = { id: node.id, kind: node.kind, name: cloudName(node), repairBy: handler.update ? ('update' as const) : ('create' as const) };
  const gone = node.dependsOn.filter((d) => earlier(d)?.state === 'missing' || earlier(d)?.state === 'unchecked');
  if (gone.length > 0) return { ...base, state: 'unchecked', fields: gone.flatMap((d) => fieldDrift(`dependsOn ${d}`, 'present', earlier(d)!.state)) };
  let fields: FieldDrift[];
  let lost: FieldDrift[] = [];
  try {
    // What the mesh recorded finds a resource of ours whose identity tags were removed by hand.
    const observed = await handler.describe(node, outputs[node.id]);
    if (observed === undefined) return { ...base, state: 'missing', repairBy: 'create', fields: fieldDrift('exists', 'present', 'absent') };
    const phase = handler.phase(observed, node);
    // On its way out (deleted by hand moments ago): as good as gone.
    if (phase.is === 'deleting') return { ...base, state: 'missing', repairBy: 'create', fields: fieldDrift('exists', 'present', 'being deleted') };
    const deps = Object.fromEntries(node.dependsOn.flatMap((d) => (outputs[d] ? [[d, outputs[d]]] : [])));
    lost = handler.lostIdentity?.(observed, node) ?? [];
    fields = handler.drift ? await handler.drift(observed, node, deps, outputs[node.id]) : [];
    // A kind that judges only a whole state still reports it; one in the middle of an operation is not drift.
    if (fields.length === 0 && phase.is === 'drifted') fields = fieldDrift('state', 'as the spec says', phase.detail);
    if (phase.is === 'failed') fields = [...fields, ...fieldDrift('state', 'ready', phase.reason)];
  } catch (error) {
    return { ...base, state: 'unchecked', fields: fieldDrift('read', 'readable', shown(error instanceof Error ? error.message : String(error))) };
  }
  if (fields.length === 0 && lost.length === 0) return undefined;
  // Lost tags alone are put back by the engine's create; anything else drifted on a kind the cloud cannot modify needs its replacement.
  const repairBy = fields.length === 0 ? ('create' as const) : handler.replacedWhenDrifted ? ('replace' as const) : base.repairBy;
  return { ...base, state: 'drifted', fields: [...lost, ...fields], repairBy };
}

/** The resource's name in its cloud or cluster, as a person looks for it there. */
function cloudName(node: ResourceNode): string {
  const params = node.params as { name?: unknown; cluster?: { clusterName?: string }; target?: { clusterName?: string }; source?: { clusterName?: string }; release?: unknown };
  const where = params.cluster?.clusterName ?? params.target?.clusterName;
  if (node.kind === 'kube.remoteSecret') return `${where}: ${ISTIO_NAMESPACE}/${remoteSecretName(params.source?.clusterName ?? '')}`;
  if (node.kind === 'kube.cacerts') return `${where}: ${ISTIO_NAMESPACE}/cacerts`;
  if (node.kind === 'kube.manifest') return `${where}: ${(node.params as { objects: KubeObject[] }).objects.map(objectLabel).join(', ')}`;
  if (typeof params.name === 'string') return where ? `${where}: ${params.name}` : params.name;
  if (typeof params.release === 'string') return `${where}: release ${params.release}`;
  return where ? `${where}: ${node.id}` : node.id;
}

/** The graph in levels: each node after every node it depends on. */
function levels(nodes: ResourceNode[]): string[][] {
  const depth = new Map<string, number>();
  for (const id of dependencyOrder({ nodes })) {
    const node = nodes.find((n) => n.id === id)!;
    depth.set(id, Math.max(0, ...node.dependsOn.map((d) => (depth.get(d) ?? 0) + 1)));
  }
  const result: string[][] = [];
  for (const [id, d] of depth) (result[d] ??= []).push(id);
  return result.filter((l) => l !== undefined);
}
