/**
 * The activity registry, the names workflows call and the workflow starts are checked by
 * tsc (`npx tsc --noEmit -p .` covers this file): each `@ts-expect-error` below must be
 * an error, or the typecheck fails. At run time, the registry the worker builds holds
 * exactly the names the types promise.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { createActivities, type MeshActivities } from '../../activities/index.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import { RESOURCE_KINDS, resourceActivityName, type ResourceActivityName } from '../../domain/activity-names.ts';
import type { provisionMesh } from '../../workflows/provision-mesh.ts';

// Type-level facts: a wrong name is a compile error, not a run-time "activity not registered".
const vpnCreate: ResourceActivityName<'create', 'aws.vpnConnection'> = 'createAwsVpnConnection';
// @ts-expect-error a misspelt activity name is not a name the kind derives
const misspeltDerived: ResourceActivityName<'create', 'aws.vpnConnection'> = 'createAwsVpnConection';
const registered: keyof MeshActivities = 'deletePkiRootCa';
// @ts-expect-error a misspelt activity name is not in the registry the workflows proxy
const misspeltRegistered: keyof MeshActivities = 'createAwsVpnConection';
// @ts-expect-error a kind no graph has yields no activity name
resourceActivityName('create', 'aws.vpnConection');
// @ts-expect-error a mesh workflow start with a wrong input does not compile
const wrongStart: WorkflowStartOptions<typeof provisionMesh> = { taskQueue: 'q', workflowId: 'w', args: [{ spec: {} }] };
void [vpnCreate, misspeltDerived, registered, misspeltRegistered, wrongStart];

describe('typed activities', () => {
  test('the registry the worker builds has a create and a delete activity for every resource kind, under the derived names, and nothing unnamed', () => {
    const activities = createActivities({
      clients: {} as CloudClients,
      poll: { initialMs: 1, maxMs: 1, factor: 1 },
      helm: { binary: 'helm', istioReleases: [], chartCacheDir: 'charts', gatewayApiCrdsDir: 'gateway-api' },
      temporal: { client: {} as Client, taskQueue: 'cellbridge' },
    });
    const names = Object.keys(activities);
    const resourceNames = RESOURCE_KINDS.flatMap((kind) => [resourceActivityName('create', kind), resourceActivityName('delete', kind)]);
    assert.deepEqual(resourceNames.filter((n) => !names.includes(n)), []);
    assert.equal(resourceActivityName('create', 'aws.vpnConnection'), 'createAwsVpnConnection');
    assert.equal(resourceActivityName('delete', 'pki.rootCa'), 'deletePkiRootCa');
    // Everything else is a named, non-resource activity (tunnels, Istio inspection, rotation).
    const others = names.filter((n) => !resourceNames.includes(n as (typeof resourceNames)[number]));
    assert.ok(others.includes('observeTunnels') && others.includes('rotationRunning') && others.includes('deleteRotationSchedule'), others.join(', '));
    for (const name of names) assert.equal(typeof activities[name as keyof typeof activities], 'function', name);
  });
});
