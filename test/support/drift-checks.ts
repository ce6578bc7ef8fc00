/** Drift checks on a running mesh through the API, and the tunnels judged from ARM: what the drift integration tests share. */
import assert from 'node:assert/strict';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { Endpoints } from '../../sim/stack.ts';
import { api } from './stack.ts';

/** POSTs a drift check and waits for its report. */
export async function checked(e: Endpoints, mesh: string): Promise<any> {
  const accepted = await api(e, 'POST', `/v1/meshes/${mesh}/drift-checks`);
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  return reportAfter(e, mesh, (r) => r.checkId === accepted.body.checkId);
}

/** Waits for a finished report that `which` picks, with no check running after it. */
export async function reportAfter(e: Endpoints, mesh: string, which: (report: any) => boolean): Promise<any> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const { body } = await api(e, 'GET', `/v1/meshes/${mesh}/drift`);
    if (body?.last && which(body.last) && body.last.finishedAt && body.running === undefined) {
      assert.equal(body.last.error, undefined, JSON.stringify(body.last));
      return body.last;
    }
    if (Date.now() > deadline) throw new Error(`no such drift report: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The fabric joins both ends: a tunnel comes up only when keys, addresses, ASNs and BGP peers match. */
export async function allConnected(network: NetworkManagementClient, resourceGroup: string, mesh: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let states: string[] = [];
  while (Date.now() < deadline) {
    states = await Promise.all([0, 1, 2, 3].map(async (t) => (await network.virtualNetworkGatewayConnections.get(resourceGroup, `${mesh}-to-aws-t${t}`)).connectionStatus ?? 'Unknown'));
    if (states.every((s) => s === 'Connected')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the four tunnels are not all up again: ${states.join(', ')}`);
}
