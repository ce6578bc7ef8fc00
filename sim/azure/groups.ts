// Resource groups follow ARM's own rules, not a resource provider's: creation answers
// synchronously, deletion is an operation polled through `Location` only, and it takes
// everything in the group with it.
import { setTimeout as sleep } from 'node:timers/promises';
import { ArmError, anotherOperationInProgress, badRequest } from './errors.js';
import { GROUP_TYPE, groupBeingDeleted, regionOf, type Call, type Engine, type Reply } from './engine.js';
import { obj, str } from './json.js';
import type { Resource } from './store.js';

const LATENCY = { put: 2, delete: 30 };

export async function handleGroups(engine: Engine, call: Call): Promise<Reply> {
  const { route, method } = call;
  if (route.kind === 'groups') {
    if (method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', `${method} is not supported on this path.`);
    const prefix = `/subscriptions/${call.subscription}/`.toLowerCase();
    const groups = engine.store.ofType(GROUP_TYPE).filter((g) => g.id.toLowerCase().startsWith(prefix));
    return { status: 200, body: { value: groups.map(render) } };
  }
  if (route.kind !== 'group') throw new Error('not a resource group route');
  const existing = engine.store.get(route.id);

  switch (method) {
    case 'HEAD':
      return { status: existing ? 204 : 404 };
    case 'GET':
      return { status: 200, body: render(engine.requireGroup(route.id)) };
    case 'PATCH': {
      const group = engine.requireGroup(route.id);
      group.tags = tags(call.body.tags) ?? group.tags;
      return { status: 200, body: render(group) };
    }
    case 'PUT': {
      const location = str(call.body.location);
      if (!location) throw badRequest('LocationRequired', 'The location property is required for this definition.');
      if (existing?.provisioningState === 'Deleting') throw groupBeingDeleted(existing);
      if (existing && regionOf(existing.location) !== regionOf(location)) {
        throw badRequest('InvalidResourceGroupLocation',
          `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`);
      }
      await sleep(engine.scaledMs(LATENCY.put));
      const group: Resource = {
        id: existing?.id ?? route.id,
        type: GROUP_TYPE,
        name: existing?.name ?? route.name,
        location,
        tags: tags(call.body.tags),
        extra: {},
        properties: {},
        provisioningState: 'Succeeded',
        etag: '',
      };
      engine.store.put(group);
      return { status: existing ? 200 : 201, body: render(group) };
    }
    case 'DELETE': {
      const group = engine.requireGroup(route.id);
      if (group.provisioningState === 'Deleting') throw anotherOperationInProgress(group.id);
      // Deleting a group cancels whatever still runs inside it.
      const op = engine.ops.create('Microsoft.Resources', regionOf(group.location));
      for (const r of engine.store.subtree(group.id)) {
        r.provisioningState = 'Deleting';
        r.busy = op.id;
      }
      engine.ops.run(op, engine.scaledMs(LATENCY.delete), () => engine.settleDelete(group.id, op.id, call.failWith));
      const q = `?api-version=${encodeURIComponent(call.query.get('api-version') ?? '2021-04-01')}`;
      return {
        status: 202,
        headers: {
          Location: `${call.baseUrl}/subscriptions/${call.subscription}/operationresults/${op.id}${q}`,
          ...engine.retryAfterHeaders(),
        },
      };
    }
  }
  throw new ArmError(405, 'MethodNotAllowed', `${method} is not supported on this path.`);
}

function render(group: Resource): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    type: GROUP_TYPE,
    location: group.location,
    ...(group.tags ? { tags: group.tags } : {}),
    properties: { provisioningState: group.provisioningState },
  };
}

function tags(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  return o ? Object.fromEntries(Object.entries(o).map(([k, val]) => [k, String(val)])) : undefined;
}
