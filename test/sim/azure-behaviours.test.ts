// What ARM always does that the emulator plays without a fault rule, judged with the real
// SDKs and raw HTTP: one operation at a time per VPN gateway (its connections and their
// local network gateways included), and subscription throttling with Retry-After.
// Needs NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (made by sim/tls.ts).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { startAzureEmulator, type AzureEmulator } from '../../sim/azure/index.js';
import { ensureTls } from '../../sim/tls.js';
import { connectionBody, localGatewayBody, startGateway } from '../support/azure-gateway.ts';

const SUB = '00000000-0000-0000-0000-0000000000c2';
// Gateway 27 s, connection 0.9 s, local gateway 0.3 s: a connection must still be in the making when the
// requests after it land, and on a loaded machine a round trip alone has taken over 0.18 s (scale 500).
const TIME_SCALE = 100;
const credential = { getToken: async () => ({ token: 'sim', expiresOnTimestamp: Date.now() + 3_600_000 }) };

describe('ARM emulator: real-cloud behaviours', () => {
  let emulator: AzureEmulator;
  let net: NetworkManagementClient;
  let rm: ResourceManagementClient;
  const control = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${emulator.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    return { status: res.status, json: res.status === 204 ? undefined : await res.json() };
  };
  /** The wire form of an SDK body: everything but the location goes under `properties`. */
  const wire = ({ location, ...properties }: { location: string }) => ({ location, properties });
  /** A raw ARM request at the SDKs' API versions, so a 409 or 429 is seen as ARM answers it (the SDK would retry a 429). */
  const arm = async (method: string, path: string, body?: object) => {
    const version = /\/providers\/Microsoft\.Network\//i.test(path) ? '2025-05-01' : '2025-04-01';
    const res = await fetch(`${emulator.url}${path}?api-version=${version}`, {
      method, headers: { authorization: 'Bearer sim', 'content-type': 'application/json' }, body: body && JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.text().then((t) => (t ? JSON.parse(t) : {}))) as any };
  };

  /** Waits until ARM reports the resource's last operation ended. */
  const settled = async (path: string) => {
    for (let state = ''; state !== 'Succeeded'; await new Promise((ok) => setTimeout(ok, 100))) {
      state = (await arm('GET', path)).json.properties?.provisioningState;
    }
  };

  before(async () => {
    emulator = await startAzureEmulator({ timeScale: TIME_SCALE, tls: ensureTls() });
    net = new NetworkManagementClient(credential, SUB, { endpoint: emulator.url });
    rm = new ResourceManagementClient(credential, SUB, { endpoint: emulator.url });
  });
  beforeEach(() => control('POST', '/_sim/reset'));
  after(() => emulator?.close());

  test('409 AnotherOperationInProgress: a second connection of a gateway, or a local gateway a connection uses, while a connection of that gateway is being created or deleted', async () => {
    const group = 'rg-lock';
    const base = `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Network`;
    const gateway = await startGateway(net, rm, group, 'vng');
    const [lngA, lngB] = await Promise.all(['a', 'b'].map((n, i) => net.localNetworkGateways.beginCreateOrUpdateAndWait(group, `lng-${n}`, localGatewayBody(`198.51.100.${i + 1}`, `169.254.21.${i * 4 + 1}`))));
    await gateway.done;

    assert.equal((await arm('PUT', `${base}/connections/conn-a`, wire(connectionBody(gateway.id, lngA!.id!)))).status, 201, 'the gateway is free: accepted');
    // Sent together, so that all land while conn-a is being made, however slow the machine.
    const [second, usedLocal, unusedLocal] = await Promise.all([
      arm('PUT', `${base}/connections/conn-b`, wire(connectionBody(gateway.id, lngB!.id!))),
      arm('PUT', `${base}/localNetworkGateways/lng-a`, wire(localGatewayBody('198.51.100.9', '169.254.21.1'))),
      arm('PUT', `${base}/localNetworkGateways/lng-b`, wire(localGatewayBody('198.51.100.8', '169.254.21.5'))),
    ]);
    assert.equal(second.status, 409, 'a second connection of the same gateway waits for the first');
    assert.equal(second.json.error.code, 'AnotherOperationInProgress');
    assert.match(second.json.error.message, /connections\/conn-a$/);
    assert.equal(usedLocal.status, 409, 'a local gateway whose connection is being created');
    assert.equal(unusedLocal.status, 200, 'a local gateway no connection uses is not part of the gateway');

    await settled(`${base}/connections/conn-a`);
    await settled(`${base}/localNetworkGateways/lng-b`);
    await net.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(group, 'conn-b', connectionBody(gateway.id, lngB!.id!));
    const deleting = await arm('DELETE', `${base}/connections/conn-a`);
    assert.equal(deleting.status, 202);
    assert.equal((await arm('DELETE', `${base}/connections/conn-b`)).status, 409, 'deletes of one gateway\'s connections queue up too');
  });

  test('429 TooManyRequests with Retry-After once a subscription\'s write bucket is empty; refilled at its rate; reads counted apart', async () => {
    const limits = await control('POST', '/_sim/limits', { writes: { size: 2, perSecond: 0.5 } });
    assert.deepEqual(limits.json.writes, { size: 2, perSecond: 0.5 });
    const group = (n: number) => `/subscriptions/${SUB}/resourcegroups/rg-limit-${n}`;
    const put = (n: number) => arm('PUT', group(n), { location: 'westeurope' }).then((r) => ({ ...r, status: r.status }));
    assert.deepEqual([(await put(1)).status, (await put(2)).status], [201, 201]);
    const throttled = await put(3);
    assert.equal(throttled.status, 429);
    assert.equal(throttled.json.error.code, 'TooManyRequests');
    assert.equal(throttled.retryAfter, '2', 'one token comes back in 2 s at 0.5 per second');
    assert.equal((await arm('GET', group(1))).status, 200, 'reads have their own bucket');
    await new Promise((ok) => setTimeout(ok, 2_000));
    assert.equal((await put(3)).status, 201, 'after Retry-After');
    assert.equal((await control('POST', '/_sim/limits', { writes: { size: 0, perSecond: 1 } })).status, 400);
    await control('POST', '/_sim/reset');
    assert.deepEqual((await control('GET', '/_sim/limits')).json.writes, { size: 200, perSecond: 10 * TIME_SCALE }, 'ARM\'s documented limits, refilled at the time scale');
  });
});
