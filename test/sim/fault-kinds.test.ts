// The fault kinds both emulators play (sim/README.md "Fault injection and call counting"),
// judged by what the clouds then hold: a plain fault has no effect, an `applied-*` fault
// performs the call and loses its answer (5xx, a late 504, or a dropped connection).
// Needs NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (made by sim/tls.ts) set before node starts.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.js';
import { startAzureEmulator, type AzureEmulator } from '../../sim/azure/index.js';
import { ensureTls } from '../../sim/tls.js';

type Rule = { operation: string; kind: string; seconds?: number; match?: string; count?: number };

async function post(url: string, rule: Rule): Promise<void> {
  const res = await fetch(`${url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  assert.equal(res.status, 201, await res.text());
}

const clear = (url: string) => fetch(`${url}/_sim/faults`, { method: 'DELETE' }).then((r) => r.arrayBuffer());

describe('AWS emulator fault kinds (extended Moto, real EC2 SDK)', () => {
  let moto: MotoHandle;
  const client = (maxAttempts = 1) => new EC2Client({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDSIM', secretAccessKey: 'sim' }, maxAttempts });
  const vpcsWith = async (cidr: string) =>
    ((await client().send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [cidr] }] }))).Vpcs ?? []).length;

  before(async () => {
    moto = await startMoto({ timeScale: 1000, consistency: { ec2VisibilitySeconds: 0 } });
  });
  beforeEach(async () => {
    await fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer());
  });
  after(async () => {
    await moto?.stop();
  });

  test('server-error fails CreateVpc with InternalError/500 and creates nothing; applied-server-error answers the same but the VPC exists', async () => {
    await post(moto.url, { operation: 'ec2.CreateVpc', kind: 'server-error', match: '10.31.' });
    await post(moto.url, { operation: 'ec2.CreateVpc', kind: 'applied-server-error', match: '10.32.' });
    for (const cidr of ['10.31.0.0/16', '10.32.0.0/16']) {
      await assert.rejects(client().send(new CreateVpcCommand({ CidrBlock: cidr })), (e: any) => e.name === 'InternalError' && e.$metadata?.httpStatusCode === 500);
    }
    assert.equal(await vpcsWith('10.31.0.0/16'), 0, 'a plain 5xx has no effect');
    assert.equal(await vpcsWith('10.32.0.0/16'), 1, 'the applied call took effect although its answer was a 5xx');
  });

  test('applied-timeout holds the answer for its seconds, answers 504, and the VPC exists', async () => {
    await post(moto.url, { operation: 'ec2.CreateVpc', kind: 'applied-timeout', seconds: 0.4 });
    const t0 = Date.now();
    await assert.rejects(client().send(new CreateVpcCommand({ CidrBlock: '10.33.0.0/16' })), (e: any) => e.name === 'RequestTimeout' && e.$metadata?.httpStatusCode === 504);
    assert.ok(Date.now() - t0 >= 400, `held ${Date.now() - t0} ms`);
    assert.equal(await vpcsWith('10.33.0.0/16'), 1);
  });

  test('drop closes the connection without an answer and creates nothing; applied-drop does the same after creating the VPC', async () => {
    await post(moto.url, { operation: 'ec2.CreateVpc', kind: 'drop', match: '10.34.' });
    await post(moto.url, { operation: 'ec2.CreateVpc', kind: 'applied-drop', match: '10.35.' });
    for (const cidr of ['10.34.0.0/16', '10.35.0.0/16']) {
      // No HTTP status at all: the SDK saw the socket close.
      await assert.rejects(client().send(new CreateVpcCommand({ CidrBlock: cidr })), (e: any) => e.$metadata?.httpStatusCode === undefined);
    }
    assert.equal(await vpcsWith('10.34.0.0/16'), 0);
    assert.equal(await vpcsWith('10.35.0.0/16'), 1);
  });

  test('the SDK\'s own retry of an applied-but-lost CreateVpc makes a second VPC (EC2 has no idempotency token for it)', async () => {
    await post(moto.url, { operation: 'ec2.CreateVpc', kind: 'applied-server-error' });
    await client(3).send(new CreateVpcCommand({ CidrBlock: '10.36.0.0/16' }));
    assert.equal(await vpcsWith('10.36.0.0/16'), 2);
  });

  test('an unknown kind is refused with 400 naming the kinds', async () => {
    const res = await fetch(`${moto.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ operation: 'ec2.CreateVpc', kind: 'applied-nonsense' }) });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /applied-server-error/);
  });
});

describe('Azure ARM emulator fault kinds (wire level)', () => {
  const SUB = '00000000-0000-0000-0000-0000000000f1';
  const RG = `/subscriptions/${SUB}/resourcegroups/rg-faults`;
  const vnet = (name: string) => `${RG}/providers/Microsoft.Network/virtualNetworks/${name}?api-version=2025-05-01`;
  let emulator: AzureEmulator;

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${emulator.url}${path}`, { method, headers: { authorization: 'Bearer sim', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const putVnet = (name: string) => call('PUT', vnet(name), { location: 'westeurope', properties: { addressSpace: { addressPrefixes: ['10.40.0.0/16'] } } });
  const exists = async (name: string) => (await call('GET', vnet(name))).status === 200;

  before(async () => {
    assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'run with NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem');
    emulator = await startAzureEmulator({ timeScale: 1000, tls: ensureTls(), retryAfterSeconds: 1 });
    assert.equal((await call('PUT', `${RG}?api-version=2025-04-01`, { location: 'westeurope' })).status, 201);
  });
  beforeEach(() => clear(emulator.url));
  after(async () => {
    await emulator?.close();
  });

  test('server-error answers 500 InternalServerError and creates nothing; applied-server-error answers the same but the VNet exists', async () => {
    await post(emulator.url, { operation: 'virtualNetworks.createOrUpdate', kind: 'server-error', match: 'vn-plain' });
    await post(emulator.url, { operation: 'virtualNetworks.createOrUpdate', kind: 'applied-server-error', match: 'vn-applied' });
    for (const name of ['vn-plain', 'vn-applied']) {
      const res = await putVnet(name);
      assert.equal(res.status, 500);
      assert.equal(((await res.json()) as any).error.code, 'InternalServerError');
    }
    assert.equal(await exists('vn-plain'), false);
    assert.equal(await exists('vn-applied'), true);
  });

  test('applied-timeout holds the answer for its seconds, answers 504 GatewayTimeout, and the VNet exists', async () => {
    await post(emulator.url, { operation: 'virtualNetworks.createOrUpdate', kind: 'applied-timeout', seconds: 0.4, match: 'vn-late' });
    const t0 = Date.now();
    const res = await putVnet('vn-late');
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as any).error.code, 'GatewayTimeout');
    assert.ok(Date.now() - t0 >= 400);
    assert.equal(await exists('vn-late'), true);
  });

  test('drop closes the connection without an answer and creates nothing; applied-drop does the same after creating the VNet', async () => {
    await post(emulator.url, { operation: 'virtualNetworks.createOrUpdate', kind: 'drop', match: 'vn-drop' });
    await post(emulator.url, { operation: 'virtualNetworks.createOrUpdate', kind: 'applied-drop', match: 'vn-adrop' });
    await assert.rejects(putVnet('vn-drop'), TypeError, 'fetch fails: no HTTP answer');
    await assert.rejects(putVnet('vn-adrop'), TypeError);
    assert.equal(await exists('vn-drop'), false);
    assert.equal(await exists('vn-adrop'), true);
  });

  test('applied-server-error on a DELETE starts the delete although the answer is a 500', async () => {
    assert.ok([200, 201].includes((await putVnet('vn-gone')).status));
    // A delete while the create is still in flight is refused (as in Azure), so the VNet must be provisioned first.
    const created = Date.now() + 10_000;
    while (((await (await call('GET', vnet('vn-gone'))).json()) as any).properties?.provisioningState !== 'Succeeded' && Date.now() < created) await new Promise((r) => setTimeout(r, 50));
    await post(emulator.url, { operation: 'virtualNetworks.delete', kind: 'applied-server-error' });
    assert.equal((await call('DELETE', vnet('vn-gone'))).status, 500);
    // The delete's emulated latency plus room for a loaded machine.
    const deadline = Date.now() + 30_000;
    while ((await exists('vn-gone')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await exists('vn-gone'), false);
  });

  test('an unknown kind is refused with 400 naming the kinds', async () => {
    const res = await fetch(`${emulator.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'x.y', kind: 'applied-nonsense' }) });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /applied-server-error/);
  });
});
