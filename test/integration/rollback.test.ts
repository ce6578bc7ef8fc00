/**
 * A fault anywhere rolls back everything the run created: both emulators end with no
 * resource of the mesh, and the failure says what happened.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { api, clearFaults, cutTunnels, exampleSpec, injectFault, meshInventory, useStack, waitForPhase, type FaultRule } from '../support/stack.ts';

describe('rollback after a fault', () => {
  const stack = useStack('rollback');
  afterEach(() => clearFaults(stack.endpoints()));

  const cases: { mesh: string; cloud: 'aws' | 'azure'; fault: Omit<FaultRule, 'match'>; expect: RegExp }[] = [
    { mesh: 'rb-vpn', cloud: 'aws', fault: { operation: 'ec2.CreateVpnConnection', kind: 'error', status: 400, code: 'VpnConnectionLimitExceeded', message: 'quota' }, expect: /VpnConnectionLimitExceeded/ },
    { mesh: 'rb-gateway', cloud: 'azure', fault: { operation: 'virtualNetworkGateways.createOrUpdate', kind: 'lro-failed', code: 'GatewayProvisioningFailed', message: 'simulated' }, expect: /GatewayProvisioningFailed|Failed/ },
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
});
