/**
 * The drift check over a graph (activities/drift-check.ts): what each resource's read turns
 * into (missing, being deleted, drifted field by field, drifted by phase only, unreadable),
 * that what is built on a missing resource is left unchecked, and that nothing is written.
 * Temporal's mock activity context; the handlers are stand-ins at the activity boundary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { checkDrift, type DriftFindings } from '../../activities/drift-check.ts';
import type { Phase, ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceKind } from '../../domain/activity-names.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

type Seen = { phase: Phase; fields?: { field: string; expected: string; actual: string }[] } | 'absent' | 'unreadable';

/** One stand-in handler for every kind: what each node ID reads as; a write fails the test. */
function world(seen: Record<string, Seen>, updatable: boolean): Record<ResourceKind, ResourceHandler<unknown, Exclude<Seen, 'absent' | 'unreadable'>>> {
  const refuse = async () => assert.fail('a drift check never writes');
  const handler: ResourceHandler<unknown, Exclude<Seen, 'absent' | 'unreadable'>> = {
    describe: async ({ id }) => {
      const s = seen[id] ?? { phase: { is: 'ready' } };
      if (s === 'unreadable') throw new Error('AccessDenied: not authorized to describe');
      return s === 'absent' ? undefined : s;
    },
    create: refuse,
    delete: refuse,
    ...(updatable ? { update: refuse } : {}),
    phase: (o) => o.phase,
    drift: async (o) => o.fields ?? [],
    output: () => ({ cloudId: 'x', state: 'x' }),
  };
  return new Proxy({} as Record<ResourceKind, typeof handler>, { get: () => handler });
}

const n = (id: string, dependsOn: string[] = [], params: Record<string, unknown> = { name: id.split('/').pop() }): ResourceNode => ({ id, kind: 'aws.vpc', params, dependsOn });
const graph = [n('tgw'), n('cgw'), n('vpn', ['tgw', 'cgw']), n('lng', ['vpn']), n('conn', ['lng', 'vpn']), n('group'), n('istiod')];
const check = (seen: Record<string, Seen>, updatable = true) => new MockActivityEnvironment().run(() => checkDrift(world(seen, updatable), { nodes: graph, outputs: {} })) as Promise<DriftFindings>;
const summary = (f: DriftFindings) => f.drifts.map((d) => `${d.id} ${d.state} by ${d.repairBy}: ${d.fields.map((x) => `${x.field} ${x.expected}→${x.actual}`).join('; ')}`);

test('nothing drifted: every node is read, none reported', async () => {
  const found = await check({});
  assert.deepEqual([found.checked, found.drifts], [7, []]);
});

test('a deleted resource is missing (made again by create); what is built on it is unchecked, in dependency order', async () => {
  assert.deepEqual(summary(await check({ vpn: 'absent' })), [
    'vpn missing by create: exists present→absent',
    'lng unchecked by update: dependsOn vpn present→missing',
    'conn unchecked by update: dependsOn lng present→unchecked; dependsOn vpn present→missing',
  ]);
});

test('a resource being deleted counts as missing', async () => {
  assert.deepEqual(summary(await check({ cgw: { phase: { is: 'deleting' } } })).slice(0, 1), ['cgw missing by create: exists present→being deleted']);
});

test('field drift from the handler, repaired by update where the kind has one and by create where it has not', async () => {
  const seen: Record<string, Seen> = { group: { phase: { is: 'busy', detail: 'UPDATING' }, fields: [{ field: 'scalingConfig.desiredSize', expected: '2', actual: '3' }] } };
  assert.deepEqual(summary(await check(seen)), ['group drifted by update: scalingConfig.desiredSize 2→3']);
  assert.deepEqual(summary(await check(seen, false)), ['group drifted by create: scalingConfig.desiredSize 2→3']);
});

test('a kind that judges only its whole state reports its phase; a failed one too; one in the middle of an operation is not drift', async () => {
  assert.deepEqual(summary(await check({ istiod: { phase: { is: 'drifted', detail: 'release is failed' } }, tgw: { phase: { is: 'failed', reason: 'provisioningState Failed' } }, cgw: { phase: { is: 'busy', detail: 'pending' } } })), [
    'tgw drifted by update: state ready→provisioningState Failed',
    'istiod drifted by update: state as the spec says→release is failed',
  ]);
});

test('a resource that cannot be read is unchecked with the reason, and what is built on it too', async () => {
  assert.deepEqual(summary(await check({ lng: 'unreadable' })), [
    'lng unchecked by update: read readable→AccessDenied: not authorized to describe',
    'conn unchecked by update: dependsOn lng present→unchecked',
  ]);
});

test('a handler judges against its dependencies\' outputs and its own, as each was last made ready (what cellbridge wrote: a key\'s or an intermediate\'s fingerprint)', async () => {
  const handler: ResourceHandler<unknown, object> = {
    describe: async () => ({}),
    create: async () => assert.fail('a drift check never writes'),
    delete: async () => assert.fail('a drift check never writes'),
    phase: () => ({ is: 'ready' }),
    drift: async (_o, node, outputs, recorded) => [{ field: node.id, expected: `${Object.keys(outputs).join(',')} / ${recorded?.attributes?.written ?? 'none'}`, actual: 'x' }],
    output: () => ({ cloudId: 'x', state: 'x' }),
  };
  const handlers = new Proxy({} as Record<ResourceKind, typeof handler>, { get: () => handler });
  const outputs = { tgw: { cloudId: 'tgw-1', state: 'available' }, cgw: { cloudId: 'cgw-1', state: 'available' }, vpn: { cloudId: 'vpn-1', state: 'available', attributes: { written: 'sha256:aa' } } };
  const found = (await new MockActivityEnvironment().run(() => checkDrift(handlers, { nodes: [n('tgw'), n('cgw'), n('vpn', ['tgw', 'cgw'])], outputs }))) as DriftFindings;
  assert.deepEqual(found.drifts.map((d) => d.fields[0]?.expected), [' / none', ' / none', 'tgw,cgw / sha256:aa']);
});
