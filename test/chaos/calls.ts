/**
 * The fault matrix's rows and columns. Rows are not a hand-kept list: they are the calls
 * the emulators and the kube pool counted while the product provisioned and tore down the
 * examples (matrix.ts records them), kept when they change something. Columns are the
 * fault kinds each surface can play on such a call.
 */
import type { FaultRule } from '../../sim/controls.ts';

export type Surface = 'aws' | 'azure' | 'kube';
export type Example = 'minimal' | 'cells';
/** Where the call is played: in the half of the run (provisioning or teardown) in which the product made it. */
export type Stage = 'provision' | 'teardown';

export interface MatrixCall {
  surface: Surface;
  operation: string;
  stage: Stage;
  /** The smallest example whose run makes the call: backbone-only calls run on `minimal`. */
  example: Example;
}

export type FaultName = 'throttle' | '5xx' | 'timeout' | 'applied-but-lost' | 'lro-failed';

export interface MatrixCell {
  call: MatrixCall;
  fault: FaultName;
}

// AWS query/JSON/REST actions that change something; everything else (Describe*, List*,
// Get*, sts.GetCallerIdentity) reads.
const AWS_MUTATING = /^(Create|Delete|Modify|Associate|Disassociate|Attach|Detach|Put|Tag|Untag|Update|Enable|Disable|Accept|Reject|Replace|Register|Deregister|Authorize|Revoke|Allocate|Release|Run|Terminate|Start|Stop|Reboot|Restore|Rotate|Add|Remove|Apply|Import|Upload|Set)/;
// Kubernetes verbs that write (sim/kube/faults.ts names operations `<verb>.<resource>`).
const KUBE_MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export function isMutating(surface: Surface, operation: string): boolean {
  const [head = '', verb = ''] = splitOperation(operation);
  if (surface === 'aws') return AWS_MUTATING.test(verb);
  if (surface === 'kube') return KUBE_MUTATING.has(head);
  // ARM: PUT and DELETE of a resource or group; a POST action (`listClusterAdminCredential`,
  // `getBgpPeerStatus`) reads, and `operations.get` polls.
  return verb === 'createOrUpdate' || verb === 'delete' || verb === 'update';
}

/** `service.Action`, `resourceType.verb`, or for the kube pool `verb.resource`. */
function splitOperation(operation: string): [string, string] {
  const dot = operation.indexOf('.');
  return dot < 0 ? [operation, ''] : [operation.slice(0, dot), operation.slice(dot + 1)];
}

// ARM writes that answer at once rather than start a long-running operation (no
// x-ms-long-running-operation in the REST specification: Microsoft.Resources 2025-04-01
// ResourceGroups_CreateOrUpdate), so an operation of theirs cannot fail later.
const ARM_SYNCHRONOUS = new Set(['resourceGroups.createOrUpdate']);

/** Which faults a call gets: every surface plays the four; ARM's long-running operations can also fail. */
export function faultsFor(call: MatrixCall): FaultName[] {
  const common: FaultName[] = ['throttle', '5xx', 'timeout', 'applied-but-lost'];
  return call.surface === 'azure' && !ARM_SYNCHRONOUS.has(call.operation) ? [...common, 'lro-failed'] : common;
}

/** The emulator rule that plays `fault` once on the call's first occurrence. */
export function ruleFor(cell: MatrixCell): FaultRule {
  const operation = cell.call.operation;
  const serverStatus = cell.call.surface === 'kube' ? 503 : undefined;
  switch (cell.fault) {
    case 'throttle': return { operation, kind: 'throttle', count: 1 };
    case '5xx': return { operation, kind: 'server-error', count: 1, ...(serverStatus ? { status: serverStatus } : {}) };
    case 'timeout': return { operation, kind: 'timeout', count: 1, seconds: 2 };
    case 'applied-but-lost': return { operation, kind: 'applied-server-error', count: 1, ...(serverStatus ? { status: serverStatus } : {}) };
    case 'lro-failed': return { operation, kind: 'lro-failed', count: 1, code: 'InternalServerError', message: 'the operation failed (injected)' };
  }
}

/**
 * Rows from what was counted: the calls of each example's provisioning and of its teardown,
 * by surface. A call seen in the backbone-only run is played on it, the rest on `cells`; it
 * is played in the half where that example made it (while provisioning, if it made it in both:
 * a rule fires on the first occurrence), so a detach made on the way down is played there.
 */
export function deriveCalls(recorded: Record<Example, Record<Stage, Record<Surface, Record<string, number>>>>): MatrixCall[] {
  const calls: MatrixCall[] = [];
  const seen = (example: Example, surface: Surface, operation: string) => ({
    provision: operation in recorded[example].provision[surface],
    teardown: operation in recorded[example].teardown[surface],
  });
  for (const surface of ['aws', 'azure', 'kube'] as const) {
    const ops = new Set((['minimal', 'cells'] as const).flatMap((example) => [...Object.keys(recorded[example].provision[surface]), ...Object.keys(recorded[example].teardown[surface])]));
    for (const operation of [...ops].sort()) {
      if (!isMutating(surface, operation)) continue;
      const inMinimal = seen('minimal', surface, operation);
      const example: Example = inMinimal.provision || inMinimal.teardown ? 'minimal' : 'cells';
      calls.push({ surface, operation, stage: seen(example, surface, operation).provision ? 'provision' : 'teardown', example });
    }
  }
  return calls;
}

export function cellsOf(calls: MatrixCall[]): MatrixCell[] {
  return calls.flatMap((call) => faultsFor(call).map((fault) => ({ call, fault })));
}

/** `count` distinct items drawn with `seed`: the same seed picks the same cells on any machine. */
export function sample<T>(items: T[], count: number, seed: number): T[] {
  const next = seeded(seed);
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
  return picked;
}

/** A repeatable stream of numbers in [0, 1) (mulberry32): the same seed draws the same cells or kill points. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Cells that can share one run: same example and stage, each call at most once (a rule
 * fires on its call's first occurrence), at most `size` per group. The full matrix plays
 * a group first and plays its cells one by one unless the group completes with every
 * fault fired.
 */
export function groupsOf(cells: MatrixCell[], size: number): MatrixCell[][] {
  const groups: MatrixCell[][] = [];
  const open = new Map<string, MatrixCell[][]>();
  for (const cell of cells) {
    const bucket = `${cell.call.example} ${cell.call.stage}`;
    const candidates = open.get(bucket) ?? [];
    let group = candidates.find((g) => g.length < size && !g.some((other) => other.call.surface === cell.call.surface && other.call.operation === cell.call.operation));
    if (!group) {
      group = [];
      candidates.push(group);
      groups.push(group);
      open.set(bucket, candidates);
    }
    group.push(cell);
  }
  return groups;
}
