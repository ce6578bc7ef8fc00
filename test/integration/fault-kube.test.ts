/**
 * An API-server blip during the Istio install is retried, not rolled back: a 503 answered
 * once to a server-side apply of an Istio object (the cross-network Gateway) and once to
 * helm installing istiod still ends Ready, with every resource kept. The kube pool's fault
 * proxies (sim/kube/fault-proxy.ts) play the 503s in front of the real API servers.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { api, clearFaults, exampleSpec, FAST_TIME_SCALE, faultsFired, injectFault, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

// Before the stack starts: the pool puts a fault proxy in front of every API server.
process.env.CELLBRIDGE_SIM_KUBE_FAULTS = '1';

describe('Kubernetes faults during the Istio install', () => {
  const stack = useStack('fault-kube', { timeScale: FAST_TIME_SCALE });
  afterEach(() => clearFaults(stack.endpoints()));

  test('a 503 once on an Istio object write and once on helm installing istiod: the mesh reaches Ready, nothing is rolled back, DELETE leaves nothing', async () => {
    const e = stack.endpoints();
    const mesh = 'fk-blip';
    await injectFault(e.kube, { operation: 'patch.gateways', kind: 'server-error', status: 503, count: 1 });
    await injectFault(e.kube, { operation: 'create.deployments', kind: 'server-error', status: 503, count: 1, match: 'istiod' });
    assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('cells', { name: mesh }))).status, 202);
    const final = await waitForPhase(e, mesh, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'], 900_000);
    assert.equal(final.phase, 'Ready', JSON.stringify({ error: final.error, failures: final.cleanupFailures }));
    assert.deepEqual((await faultsFired(e.kube)).map((f) => [f.operation, f.fired]), [['patch.gateways', 1], ['create.deployments', 1]], 'both faults were played');
    assert.deepEqual(final.resources.filter((r: { state: string }) => r.state === 'deleted').map((r: { id: string }) => r.id), [], 'nothing was rolled back');

    assert.equal((await api(e, 'DELETE', `/v1/meshes/${mesh}`)).status, 202);
    const gone = await waitForPhase(e, mesh, ['Deleted', 'TeardownIncomplete'], 900_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, mesh), []);
  });
});
