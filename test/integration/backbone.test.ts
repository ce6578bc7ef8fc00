/**
 * The backbone end to end on the proving ground, through the HTTP API: real Temporal,
 * the real AWS and Azure SDKs against Moto and the ARM emulator.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { historyText } from '../support/history.ts';
import { api, awsTunnelKeys, clearFaults, exampleSpec, FAST_TIME_SCALE, faultsFired, injectFault, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

describe('backbone on the proving ground', () => {
  const stack = useStack('backbone', { timeScale: FAST_TIME_SCALE });

  test('POST provisions all four tunnels to BGP Established, GET shows every resource and tunnel, DELETE leaves nothing', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('minimal', { name: 'bb-happy' });
    const created = await api(e, 'POST', '/v1/meshes', spec);
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.workflowId, 'mesh-bb-happy');

    const ready = await waitForPhase(e, 'bb-happy', ['Ready', 'RolledBack', 'RollbackIncomplete']);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));
    assert.ok(ready.resources.every((r: any) => r.state === 'ready' && r.cloudId), JSON.stringify(ready.resources.filter((r: any) => r.state !== 'ready')));
    assert.equal(ready.tunnels.length, 4);
    for (const tunnel of ready.tunnels) {
      assert.equal(tunnel.aws.status, 'UP', JSON.stringify(tunnel));
      assert.ok(tunnel.aws.acceptedRoutes > 0);
      assert.equal(tunnel.azure.state, 'Connected');
    }
    const inventory = await meshInventory(e, 'bb-happy');
    const count = (prefix: string) => inventory.filter((r) => r.startsWith(prefix)).length;
    assert.deepEqual([count('aws tgw'), count('aws cgw'), count('aws vpn'), count('azure') > 0], [1, 2, 2, true]);

    const repeated = await api(e, 'POST', '/v1/meshes', spec);
    assert.equal(repeated.status, 202);
    assert.equal(repeated.body.created, false, 'a repeated POST of the same spec starts nothing new');
    const conflicting = await api(e, 'POST', '/v1/meshes', { ...spec, azure: { ...spec.azure, gatewayAsn: 65020 } });
    assert.equal(conflicting.status, 409);

    const deleted = await api(e, 'DELETE', '/v1/meshes/bb-happy');
    assert.equal(deleted.status, 202);
    const gone = await waitForPhase(e, 'bb-happy', ['Deleted', 'TeardownIncomplete']);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, 'bb-happy'), []);
  });

  test('no pre-shared key appears in the workflow history, raw or decrypted', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('minimal', { name: 'bb-secrets' });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    assert.equal((await waitForPhase(e, 'bb-secrets', ['Ready', 'RolledBack', 'RollbackIncomplete'])).phase, 'Ready');
    const keys = await awsTunnelKeys(e, 'bb-secrets');
    assert.equal(keys.length, 4, 'AWS holds the four tunnel keys');

    const history = await historyText(e, 'mesh-bb-secrets');
    for (const key of keys) assert.equal(history.raw.includes(key), false, 'a key is in the raw history');
    // The plaintext (as an operator with the codec key sees it) has no key material either.
    assert.ok(history.payloads > 10, 'the history has payloads to inspect');
    assert.match(history.decrypted, /bb-secrets/, 'decryption works, so the check below means something');
    for (const key of keys) assert.equal(history.decrypted.includes(key), false, 'a key is in the decrypted history');
    await api(e, 'DELETE', '/v1/meshes/bb-secrets');
    await waitForPhase(e, 'bb-secrets', ['Deleted']);
  });

  test('throttled calls (Azure 429 with Retry-After, AWS RequestLimitExceeded) are retried and the mesh still reaches Ready', async () => {
    const e = stack.endpoints();
    await injectFault(e.azure, { operation: 'publicIPAddresses.createOrUpdate', kind: 'throttle', count: 2, match: 'bb-throttle' });
    await injectFault(e.aws, { operation: 'ec2.CreateTransitGateway', kind: 'throttle', count: 2, match: 'bb-throttle' });
    try {
      assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'bb-throttle' }))).status, 202);
      const ready = await waitForPhase(e, 'bb-throttle', ['Ready', 'RolledBack', 'RollbackIncomplete']);
      assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));
      assert.deepEqual(await faultsFired(e.azure), [{ operation: 'publicIPAddresses.createOrUpdate', fired: 2 }]);
      assert.deepEqual(await faultsFired(e.aws), [{ operation: 'ec2.CreateTransitGateway', fired: 2 }]);
    } finally {
      await clearFaults(e);
    }
    assert.equal((await api(e, 'DELETE', '/v1/meshes/bb-throttle')).status, 202);
    assert.equal((await waitForPhase(e, 'bb-throttle', ['Deleted', 'TeardownIncomplete'])).phase, 'Deleted');
  });

  test('bad input answers 400 with every problem and its path, and starts nothing', async () => {
    const e = stack.endpoints();
    const malformed = await api(e, 'POST', '/v1/meshes', '{"apiVersion": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.problems[0].rule, 'json.syntax');
    const spec = exampleSpec('minimal', { name: 'bb-bad' });
    spec.azure.gatewayAsn = 65515;
    spec.aws.transitGatewayAsn = 64496;
    const invalid = await api(e, 'POST', '/v1/meshes', spec);
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.problems.map((p: any) => p.path).sort(), ['/aws/transitGatewayAsn', '/azure/gatewayAsn']);
    assert.equal((await api(e, 'GET', '/v1/meshes/bb-bad')).status, 404, 'no workflow was started');
  });
});
