/**
 * A fault anywhere rolls back everything the run created: both emulators end with no
 * resource of the mesh, and the failure says what happened.
 */
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { afterEach, describe, test } from 'node:test';
import { api, clearFaults, cutTunnels, exampleSpec, FAST_TIME_SCALE, injectFault, meshInventory, useStack, waitForPhase, type FaultRule } from '../support/stack.ts';

describe('rollback after a fault', () => {
  const stack = useStack('rollback', { timeScale: FAST_TIME_SCALE });
  afterEach(() => clearFaults(stack.endpoints()));

  const cases: { mesh: string; cloud: 'aws' | 'azure'; fault: Omit<FaultRule, 'match'>; expect: RegExp }[] = [
    { mesh: 'rb-vpn', cloud: 'aws', fault: { operation: 'ec2.CreateVpnConnection', kind: 'error', status: 400, code: 'VpnConnectionLimitExceeded', message: 'quota' }, expect: /VpnConnectionLimitExceeded/ },
    { mesh: 'rb-gateway', cloud: 'azure', fault: { operation: 'virtualNetworkGateways.createOrUpdate', kind: 'lro-failed', count: 2, code: 'GatewayProvisioningFailed', message: 'simulated' }, expect: /GatewayProvisioningFailed|Failed/ },
    { mesh: 'rb-connection', cloud: 'azure', fault: { operation: 'connections.createOrUpdate', kind: 'error', status: 400, code: 'InvalidRequestFormat', message: 'simulated', nth: 3 }, expect: /InvalidRequestFormat/ },
  ];

  for (const c of cases) {
    test(`a fault at ${c.fault.operation} (${c.fault.kind}) leaves zero resources of the mesh in both clouds`, async () => {
      const e = stack.endpoints();
      const spec = exampleSpec('minimal', { name: c.mesh });
      await injectFault(c.cloud === 'aws' ? e.aws : e.azure, { ...c.fault, match: c.mesh });
      assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
      const final = await waitForPhase(e, c.mesh, ['RolledBack', 'RollbackIncomplete', 'Ready']);
      assert.equal(final.phase, 'RolledBack', JSON.stringify({ error: final.error, failures: final.cleanupFailures }));
      assert.match(final.error, c.expect);
      assert.deepEqual(final.cleanupFailures, []);
      assert.deepEqual(await meshInventory(e, c.mesh), []);
    });
  }

  test('BGP that never comes up fails the run at the spec deadline, naming every tunnel, and rolls back to zero resources', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('minimal', { name: 'rb-bgp' });
    spec.backbone = { ...spec.backbone, bgpTimeoutSeconds: 3 };
    await cutTunnels(e, 'cellbridge-rb-bgp');
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const final = await waitForPhase(e, 'rb-bgp', ['RolledBack', 'RollbackIncomplete', 'Ready']);
    assert.equal(final.phase, 'RolledBack', JSON.stringify({ error: final.error, failures: final.cleanupFailures }));
    assert.match(final.error, /BGP not established on 4 of 4 tunnels within 3s/);
    assert.equal(final.error.match(/IPSEC IS DOWN/g)?.length, 4, final.error);
    assert.deepEqual(final.cleanupFailures, []);
    assert.deepEqual(await meshInventory(e, 'rb-bgp'), []);
  });

  test('a delete that fails during rollback is reported (RollbackIncomplete), and a later DELETE sweeps the rest to zero', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('minimal', { name: 'rb-sweep' });
    await injectFault(e.azure, { operation: 'connections.createOrUpdate', kind: 'error', status: 400, code: 'InvalidRequestFormat', message: 'simulated', nth: 4, match: 'rb-sweep' });
    await injectFault(e.azure, { operation: 'localNetworkGateways.delete', kind: 'error', status: 400, code: 'InUseLocalNetworkGateway', message: 'simulated lock', count: 1000, match: 'rb-sweep' });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const incomplete = await waitForPhase(e, 'rb-sweep', ['RolledBack', 'RollbackIncomplete', 'Ready']);
    assert.equal(incomplete.phase, 'RollbackIncomplete', JSON.stringify(incomplete.error));
    const failures: { resource: string; error: string }[] = incomplete.cleanupFailures;
    const failed = failures.filter((f) => !f.error.startsWith('not deleted: a resource that depends on it'));
    const blocked = failures.filter((f) => !failed.includes(f)).map((f) => f.resource);
    assert.ok(failed.length >= 1 && failed.every((f) => f.resource.startsWith('azure/local-gateway/') && /InUseLocalNetworkGateway/.test(f.error)), JSON.stringify(failures));
    assert.ok(blocked.includes('azure/resource-group'), 'what depends on the stuck gateway is reported as blocked, not silently skipped');
    const left = await meshInventory(e, 'rb-sweep');
    assert.ok(left.some((r) => /localNetworkGateways/i.test(r)), 'what could not be deleted is still there, and listed');

    await clearFaults(e);
    assert.equal((await api(e, 'DELETE', '/v1/meshes/rb-sweep')).status, 202);
    const swept = await waitForPhase(e, 'rb-sweep', ['Deleted', 'TeardownIncomplete']);
    assert.equal(swept.phase, 'Deleted', JSON.stringify(swept.cleanupFailures));
    assert.equal(swept.workflow.type, 'teardownMesh');
    assert.deepEqual(await meshInventory(e, 'rb-sweep'), []);
  });

  test('cancelling the workflow while the gateway is being created rolls everything back and the mesh ends Deleted (a cancel is a teardown request)', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'rb-cancel' }))).status, 202);
    await waitForPhase(e, 'rb-cancel', ['Provisioning']);
    await new Promise((r) => setTimeout(r, 1500)); // some creates have started, the gateway has not finished
    const connection = await Connection.connect({ address: e.temporal.address });
    await new Client({ connection }).workflow.getHandle('mesh-rb-cancel').cancel();
    await connection.close();
    const final = await waitForPhase(e, 'rb-cancel', ['Deleted', 'RolledBack', 'RollbackIncomplete', 'Ready']);
    assert.equal(final.phase, 'Deleted', JSON.stringify(final.cleanupFailures));
    assert.ok(final.resources.some((r: any) => r.state === 'deleted'), 'something had been created and was deleted');
    assert.deepEqual(await meshInventory(e, 'rb-cancel'), []);
  });
});

