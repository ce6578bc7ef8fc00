/**
 * Durability and scale-out: two workers on one task queue share a mesh's activities, and the
 * one creating the Azure VPN gateway dies (SIGKILL, no goodbye). The other finishes the run
 * with exactly one of every resource: the retried activity finds what the dead one created.
 * (A worker killed with none left and a new one started: test/integration/rotation.test.ts;
 * kills at many points: `npm run chaos`, test/chaos/crash.chaos.ts.)
 */
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningProcess } from '../../sim/child-process.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { api, readCalls, exampleSpec, meshInventory, useStack, waitForPhase } from '../support/stack.ts';
import { historyChain } from '../support/history.ts';

const LOGS = join(STACK_DIR, 'test', 'worker-crash', 'logs');

describe('worker killed mid-run', () => {
  const stack = useStack('worker-crash', { product: false });
  const processes: RunningProcess[] = [];
  before(async () => {
    processes.push(await startProduct('api', stack.endpoints().productEnv, join(LOGS, 'api.log')));
  });
  after(async () => {
    for (const p of processes) await p.stop();
  });

  test('two workers share the task queue: both run activities of one mesh; the one creating the Azure gateway is killed (SIGKILL) and the other finishes alone, with one gateway, one TGW, two VPNs, four connections, and the gateway created once', async () => {
    const e = stack.endpoints();
    const workers = [
      await startProduct('worker', e.productEnv, join(LOGS, 'worker-1.log')),
      await startProduct('worker', e.productEnv, join(LOGS, 'worker-2.log')),
    ];
    processes.push(...workers);
    assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'shared' }))).status, 202);

    const gateway = await waitForAzureResource(e.azure, 'virtualnetworkgateways/', 'Updating');
    const holder = await gatewayWorker(e, 'mesh-shared');
    const victim = workers.find((w) => holder.startsWith(`${w.child.pid}@`));
    assert.ok(victim, `the gateway activity runs on one of the two workers (${holder})`);
    const survivor = workers.find((w) => w !== victim)!;
    await victim.stop('SIGKILL');

    const ready = await waitForPhase(e, 'shared', ['Ready', 'RolledBack', 'RollbackIncomplete'], 180_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));
    const identities = await activityWorkers(e, 'mesh-shared');
    const of = (pid: number | undefined) => [...identities].filter((id) => id.startsWith(`${pid}@`));
    assert.equal(of(victim.child.pid).length, 1, `the killed worker ran activities of the mesh: ${[...identities].join(', ')}`);
    assert.equal(of(survivor.child.pid).length, 1, `the surviving worker ran activities of the mesh: ${[...identities].join(', ')}`);
    const inventory = await meshInventory(e, 'shared');
    const count = (pattern: RegExp) => inventory.filter((r) => pattern.test(r)).length;
    assert.deepEqual(
      { vng: count(/virtualNetworkGateways\//i), tgw: count(/^aws tgw/), cgw: count(/^aws cgw/), vpn: count(/^aws vpn/), lng: count(/localNetworkGateways\//i), connections: count(/connections\//i) },
      { vng: 1, tgw: 1, cgw: 2, vpn: 2, lng: 4, connections: 4 },
    );
    assert.ok(inventory.some((r) => r.includes(gateway)), 'the gateway is the one the killed worker started');
    const calls = await readCalls(e);
    assert.equal(calls.azure['virtualNetworkGateways.createOrUpdate'], 1, 'the retry found the gateway instead of creating it again');
    const connection = await Connection.connect({ address: e.temporal.address });
    // The first run provisioned the mesh; once up it continued as new.
    const [history] = await historyChain(new Client({ connection }), 'mesh-shared');
    await connection.close();
    assert.ok(gatewayActivityAttempts(history!) >= 2, 'the gateway activity was retried after the kill');

    assert.equal((await api(e, 'DELETE', '/v1/meshes/shared')).status, 202);
    assert.equal((await waitForPhase(e, 'shared', ['Deleted', 'TeardownIncomplete'])).phase, 'Deleted', 'the survivor tears it down too');
    assert.deepEqual(await meshInventory(e, 'shared'), []);
  });
});

/** The identity (pid@host) of the worker running the mesh's createAzureVpnGateway activity. */
async function gatewayWorker(e: { temporal: { address: string } }, workflowId: string): Promise<string> {
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const { raw } = await handle.describe();
      const pending = raw.pendingActivities?.find((a) => a.activityType?.name === 'createAzureVpnGateway' && a.lastWorkerIdentity);
      if (pending) return pending.lastWorkerIdentity!;
    }
    throw new Error('no worker took the createAzureVpnGateway activity within 30 s');
  } finally {
    await connection.close();
  }
}

async function activityWorkers(e: { temporal: { address: string } }, workflowId: string): Promise<Set<string>> {
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    const runs = await historyChain(new Client({ connection }), workflowId);
    return new Set(runs.flatMap((h) => (h.events ?? []).map((ev: any) => ev.activityTaskStartedEventAttributes?.identity).filter(Boolean)));
  } finally {
    await connection.close();
  }
}

async function waitForAzureResource(azureUrl: string, idPart: string, provisioningState: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { resources } = (await (await fetch(`${azureUrl}/_sim/resources`)).json()) as { resources: { id: string; provisioningState: string }[] };
    const found = resources.find((r) => r.id.toLowerCase().includes(idPart) && r.provisioningState === provisioningState);
    if (found) return found.id;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${idPart} in state ${provisioningState} within 60 s`);
}

/** The attempt recorded when the createAzureVpnGateway activity finally started. */
function gatewayActivityAttempts(history: { events?: any[] | null }): number {
  const events = history.events ?? [];
  const scheduled = events.find((ev) => ev.activityTaskScheduledEventAttributes?.activityType?.name === 'createAzureVpnGateway');
  assert.ok(scheduled, 'the gateway activity was scheduled');
  const started = events.find((ev) => String(ev.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId));
  return Number(started?.activityTaskStartedEventAttributes?.attempt ?? 0);
}
