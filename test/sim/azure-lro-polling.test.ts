/**
 * Azure long-running operations through the real SDK and the ARM emulator: polled with the
 * engine's backoff, never sooner than the emulator's scaled `retry-after-ms`, and counted.
 * A VNet PUT of 15 s at time scale 15 (1 s here) and a Retry-After of 10 s (0.67 s here)
 * with a 10 ms backoff: the SDK's own loop would poll at the Retry-After, the backoff alone
 * every few milliseconds; the product does neither faster than asked nor more than needed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { awaitOperation } from '../../activities/azure/lro.ts';
import { createCloudClients, type CloudClients } from '../../activities/cloud-clients.ts';
import { startAzureEmulator, type AzureEmulator } from '../../sim/azure/index.js';
import { ensureTls } from '../../sim/tls.js';
import { azureCredential } from '../../worker/azure-credential.ts';

const SUB = '00000000-0000-0000-0000-0000000000a7';
let emulator: AzureEmulator;
let clients: CloudClients;

before(async () => {
  assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'run with NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem');
  emulator = await startAzureEmulator({ timeScale: 15, tls: ensureTls() });
  clients = createCloudClients({ aws: { requestTimeoutMs: 10_000 }, azure: { endpoint: emulator.url, credential: azureCredential('emulator', emulator.url) } });
  await clients.resources(SUB).resourceGroups.createOrUpdate('rg-lro', { location: 'westeurope' });
});
after(async () => {
  await emulator?.close();
});

test('a VNet create is polled no sooner than the scaled Retry-After (0.67 s), with backoff, and answers the VNet as its final GET shows it', async () => {
  await fetch(`${emulator.url}/_sim/calls`, { method: 'DELETE' });
  const started = Date.now();
  const vnet = await awaitOperation({ initialMs: 10, maxMs: 100, factor: 1.5 })(() =>
    clients.network(SUB).virtualNetworks.beginCreateOrUpdate('rg-lro', 'vnet-lro', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.50.0.0/16'] } }),
  );
  const elapsed = Date.now() - started;
  assert.equal(vnet?.provisioningState, 'Succeeded');
  assert.equal(vnet?.name, 'vnet-lro');
  const calls = (await (await fetch(`${emulator.url}/_sim/calls`)).json()) as Record<string, number>;
  const polls = calls['operations.get'] ?? 0;
  // The SDK's begin… polls once at once; then one poll per Retry-After at most: the operation lasts 1 s.
  assert.ok(polls >= 2 && polls <= 3, `${polls} polls in ${elapsed} ms`);
  assert.ok(elapsed >= 1000, `done after ${elapsed} ms`);
});
