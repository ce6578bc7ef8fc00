// The AWS half of the proving ground: the real EC2 SDK against the extended Moto server.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  CreateCustomerGatewayCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  CreateTransitGatewayCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  CreateVpcCommand,
  CreateVpnConnectionCommand,
  DeleteCustomerGatewayCommand,
  DeleteRouteCommand,
  DeleteTransitGatewayCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DeleteVpnConnectionCommand,
  DescribeCustomerGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayAttachmentsCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcsCommand,
  DescribeVpnConnectionsCommand,
  ModifyVpnConnectionCommand,
  ModifyVpnTunnelOptionsCommand,
  EC2Client,
  SearchTransitGatewayRoutesCommand,
  type Filter,
  type TagSpecification,
  type VpnConnection,
  type VpnTunnelOptionsSpecification,
  waitUntilVpnConnectionAvailable,
  waitUntilVpnConnectionDeleted,
} from '@aws-sdk/client-ec2';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.js';

const MESH = 'cellbridge:mesh';
// A transit gateway stays pending 180 s / SLOW_SCALE: long enough that the reads right after a
// create still see it pending on a loaded two-core machine (at 100, 1.8 s, they did not).
const SLOW_SCALE = 30;
// A test that must meet a resource still in an intermediate state slows the emulated clock to
// the real clouds' pace while it looks (sim/aws/lifecycle.py): a pending gateway then stays
// pending 180 s and a deleting attachment deleting 60 s, longer than any test takes, however
// loaded the machine. Then it speeds the clock up again to let them finish.
const REAL_TIME = 1;
const FAST_SCALE = 1000;

// --- a stub tunnel fabric (the real one is the Azure emulator, over HTTPS) ---

interface AwsView {
  vpnConnections: Array<{
    vpnConnectionId: string;
    state: string;
    transitGatewayId: string;
    transitGatewayAsn: number;
    customerGatewayId: string;
    customerGatewayIp: string;
    customerGatewayAsn: number;
    advertisedCidrs: string[];
    tunnels: Array<Record<string, unknown> & { outsideIpAddress: string }>;
  }>;
}

/** What the stub fabric says AWS accepted over an UP tunnel: the Azure VNet. */
const AZURE_VNET = '10.20.0.0/16';

const fabric = {
  server: undefined as Server | undefined,
  posted: [] as AwsView[],
  upIps: new Set<string>(),
  reachable: true,
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startFabric(): Promise<string> {
  fabric.server = createServer((req, res) => {
    if (!fabric.reachable) {
      req.socket.destroy(); // as good as a dead peer
      return;
    }
    void readBody(req).then((body) => {
      assert.equal(`${req.method} ${req.url}`, 'POST /_sim/fabric/aws-telemetry');
      const view = JSON.parse(body) as AwsView;
      fabric.posted.push(view);
      const tunnels: Record<string, unknown> = {};
      for (const ip of fabric.upIps) {
        tunnels[ip] = { status: 'UP', statusMessage: '1 BGP ROUTES', acceptedRouteCount: 1, lastStatusChange: '2024-05-01T10:00:00.000Z', acceptedPrefixes: [AZURE_VNET] };
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tunnels }));
    });
  });
  await new Promise<void>((ok) => fabric.server!.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(fabric.server.address() as AddressInfo).port}/_sim/fabric`;
}

// --- helpers ------------------------------------------------------------------

function ec2(url: string, region = 'us-east-1'): EC2Client {
  return new EC2Client({
    endpoint: url,
    region,
    credentials: { accessKeyId: 'AKIDSIM', secretAccessKey: 'sim-secret' },
    maxAttempts: 1,
  });
}

function tags(resourceType: TagSpecification['ResourceType'], mesh: string): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: [{ Key: MESH, Value: mesh }, { Key: 'Name', Value: `${mesh}-${resourceType}` }] }];
}

function byMesh(mesh: string): Filter[] {
  return [{ Name: `tag:${MESH}`, Values: [mesh] }];
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

async function sim(url: string, path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${url}${path}`, init);
  assert.ok(res.ok, `${init?.method ?? 'GET'} ${path} -> ${res.status}`);
  return res.json();
}

/** Sets the speed of a Moto's emulated clock until the next reset; deadlines already set move with it. */
async function setTimeScale(url: string, scale: number): Promise<void> {
  const answer = await sim(url, '/_sim/time-scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scale }) });
  assert.equal(answer.scale, scale);
}

function awsError(code: string, status: number) {
  return (error: any): boolean => {
    assert.equal(error.name, code, `error code (message: ${error.message})`);
    assert.equal(error.$metadata?.httpStatusCode, status);
    return true;
  };
}

const tunnelSpecs: VpnTunnelOptionsSpecification[] = [
  {
    TunnelInsideCidr: '169.254.21.0/30',
    PreSharedKey: 'Tunnel1.secret_key',
    Phase1EncryptionAlgorithms: [{ Value: 'AES256' }],
    Phase1IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
    Phase1DHGroupNumbers: [{ Value: 14 }],
    Phase2EncryptionAlgorithms: [{ Value: 'AES256' }, { Value: 'AES256-GCM-16' }],
    Phase2IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
    Phase2DHGroupNumbers: [{ Value: 14 }],
    IKEVersions: [{ Value: 'ikev2' }],
    StartupAction: 'start',
    DPDTimeoutSeconds: 40,
    Phase1LifetimeSeconds: 28800,
    Phase2LifetimeSeconds: 3600,
  },
  {
    TunnelInsideCidr: '169.254.22.0/30',
    PreSharedKey: 'Tunnel2.secret_key',
    IKEVersions: [{ Value: 'ikev2' }],
    StartupAction: 'start',
  },
];

/** A transit gateway (available), a VPC attached to it (available) and a customer gateway. */
async function backbone(client: EC2Client, mesh: string, opts: { asn?: number; cgwIp?: string; cidr?: string } = {}) {
  const tgw = (await client.send(new CreateTransitGatewayCommand({
    Description: mesh,
    Options: { AmazonSideAsn: opts.asn ?? 64512 },
    TagSpecifications: tags('transit-gateway', mesh),
  }))).TransitGateway!;
  const cidr = opts.cidr ?? '10.10.0.0/16';
  const vpc = (await client.send(new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: tags('vpc', mesh) }))).Vpc!;
  const subnet = (await client.send(new CreateSubnetCommand({
    VpcId: vpc.VpcId!, CidrBlock: cidr.replace('0.0/16', '1.0/24'), TagSpecifications: tags('subnet', mesh),
  }))).Subnet!;
  await until('transit gateway available', async () =>
    (await client.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgw.TransitGatewayId!] }))).TransitGateways![0]!.State,
  (s) => s === 'available');
  const attachment = (await client.send(new CreateTransitGatewayVpcAttachmentCommand({
    TransitGatewayId: tgw.TransitGatewayId!, VpcId: vpc.VpcId!, SubnetIds: [subnet.SubnetId!],
    TagSpecifications: tags('transit-gateway-attachment', mesh),
  }))).TransitGatewayVpcAttachment!;
  await until('VPC attachment available', async () =>
    (await client.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [attachment.TransitGatewayAttachmentId!] })))
      .TransitGatewayVpcAttachments![0]!.State,
  (s) => s === 'available');
  const cgw = (await client.send(new CreateCustomerGatewayCommand({
    Type: 'ipsec.1', IpAddress: opts.cgwIp ?? '192.0.2.10', BgpAsn: 65010, TagSpecifications: tags('customer-gateway', mesh),
  }))).CustomerGateway!;
  return { tgw, vpc, subnet, attachment, cgw };
}

async function createVpn(client: EC2Client, mesh: string, cgwId: string, tgwId: string, tunnels = tunnelSpecs): Promise<VpnConnection> {
  return (await client.send(new CreateVpnConnectionCommand({
    Type: 'ipsec.1', CustomerGatewayId: cgwId, TransitGatewayId: tgwId, TagSpecifications: tags('vpn-connection', mesh),
    Options: { StaticRoutesOnly: false, TunnelInsideIpVersion: 'ipv4', TunnelOptions: tunnels },
  }))).VpnConnection!;
}

async function describeVpn(client: EC2Client, id: string): Promise<VpnConnection> {
  return (await client.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [id] }))).VpnConnections![0]!;
}

async function vpnAvailable(client: EC2Client, id: string): Promise<VpnConnection> {
  return until('VPN available', () => describeVpn(client, id), (v) => v.State === 'available');
}

// --- the tests ----------------------------------------------------------------

describe('AWS emulator (extended Moto)', () => {
  let moto: MotoHandle; // fast clock, tunnel fabric stub
  // A slower clock, to observe intermediate states without races (a 1.8 s pending TGW).
  let slow: MotoHandle;
  let client: EC2Client;

  before(async () => {
    const fabricUrl = await startFabric();
    const started = Date.now();
    [moto, slow] = await Promise.all([
      startMoto({ timeScale: FAST_SCALE, fabricUrl, logFile: '.stack/aws-emulator-test.log' }),
      startMoto({ timeScale: SLOW_SCALE }),
    ]);
    console.log(`# two Moto servers started in ${Date.now() - started} ms`);
    client = ec2(moto.url);
  });

  beforeEach(async () => {
    fabric.posted = [];
    fabric.upIps.clear();
    fabric.reachable = true;
    await sim(moto.url, '/_sim/reset', { method: 'POST' });
    await sim(slow.url, '/_sim/reset', { method: 'POST' });
  });

  after(async () => {
    client?.destroy();
    await Promise.all([moto?.stop(), slow?.stop()]);
    await new Promise<void>((ok) => (fabric.server ? fabric.server.close(() => ok()) : ok()));
  });

  test('state transitions: TGW, VPC attachment and VPN go pending→available and deleting→deleted (and stay listed)', async () => {
    const c = ec2(slow.url);
    const mesh = 'lifecycle';
    const t0 = Date.now();
    const tgw = (await c.send(new CreateTransitGatewayCommand({ Options: { AmazonSideAsn: 64513 }, TagSpecifications: tags('transit-gateway', mesh) }))).TransitGateway!;
    assert.equal(tgw.State, 'pending');
    assert.equal(tgw.Options?.AmazonSideAsn, 64513);
    const tgwId = tgw.TransitGatewayId!;
    const describeTgw = async () => (await c.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgwId] }))).TransitGateways![0]!;
    assert.equal((await describeTgw()).State, 'pending');
    const ready = await until('TGW available', describeTgw, (t) => t.State === 'available');
    assert.ok(Date.now() - t0 >= 180_000 / SLOW_SCALE - 50, 'pending lasts 180 s / time scale');
    assert.equal(ready.Options?.AmazonSideAsn, 64513);

    const vpc = (await c.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!;
    const subnet = (await c.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.20.1.0/24' }))).Subnet!;
    const att = (await c.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgwId, VpcId: vpc.VpcId!, SubnetIds: [subnet.SubnetId!] }))).TransitGatewayVpcAttachment!;
    assert.equal(att.State, 'pending');
    const describeAtt = async () => (await c.send(new DescribeTransitGatewayVpcAttachmentsCommand({ TransitGatewayAttachmentIds: [att.TransitGatewayAttachmentId!] }))).TransitGatewayVpcAttachments![0]!;
    await until('attachment available', describeAtt, (a) => a.State === 'available');

    const cgw = (await c.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '192.0.2.20', BgpAsn: 65010 }))).CustomerGateway!;
    assert.equal(cgw.State, 'available', 'a customer gateway is available at once');
    const vpn = await createVpn(c, mesh, cgw.CustomerGatewayId!, tgwId);
    assert.equal(vpn.State, 'pending');
    const vpnAttachment = async () => (await c.send(new DescribeTransitGatewayAttachmentsCommand({ Filters: [{ Name: 'resource-id', Values: [vpn.VpnConnectionId!] }] }))).TransitGatewayAttachments!;
    assert.equal((await vpnAttachment())[0]?.ResourceType, 'vpn');
    assert.equal((await describeVpn(c, vpn.VpnConnectionId!)).State, 'pending');
    await vpnAvailable(c, vpn.VpnConnectionId!);
    assert.equal((await vpnAttachment())[0]?.State, 'available');

    await c.send(new DeleteVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId! }));
    assert.equal((await describeVpn(c, vpn.VpnConnectionId!)).State, 'deleting');
    assert.equal((await vpnAttachment())[0]?.State, 'deleting');
    await until('VPN deleted', () => describeVpn(c, vpn.VpnConnectionId!), (v) => v.State === 'deleted');
    assert.equal((await vpnAttachment())[0]?.State, 'deleted', 'the VPN attachment goes away with the VPN');

    const deleting = (await c.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: att.TransitGatewayAttachmentId! }))).TransitGatewayVpcAttachment!;
    assert.equal(deleting.State, 'deleting');
    await until('attachment deleted', describeAtt, (a) => a.State === 'deleted');

    const tgwDeleting = (await c.send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgwId }))).TransitGateway!;
    assert.equal(tgwDeleting.State, 'deleting');
    assert.equal((await describeTgw()).State, 'deleting');
    await until('TGW deleted', describeTgw, (t) => t.State === 'deleted');
    c.destroy();
  });

  test('tunnel options are echoed (inside CIDRs, PSKs, algorithm lists) and each tunnel gets a distinct outside IP', async () => {
    const { tgw, cgw } = await backbone(client, 'echo');
    const vpn = await createVpn(client, 'echo', cgw.CustomerGatewayId!, tgw.TransitGatewayId!);
    const other = (await backbone(client, 'echo2', { cgwIp: '192.0.2.11', cidr: '10.11.0.0/16' }));
    const vpn2 = await createVpn(client, 'echo2', other.cgw.CustomerGatewayId!, other.tgw.TransitGatewayId!, [{}, {}]);

    const got = await describeVpn(client, vpn.VpnConnectionId!);
    assert.equal(got.Category, 'VPN');
    assert.equal(got.TransitGatewayId, tgw.TransitGatewayId);
    assert.equal(got.CustomerGatewayId, cgw.CustomerGatewayId);
    assert.equal(got.Options?.StaticRoutesOnly, false);
    assert.equal(got.Options?.TunnelInsideIpVersion, 'ipv4');
    const [t1, t2] = got.Options!.TunnelOptions!;
    assert.equal(t1!.TunnelInsideCidr, '169.254.21.0/30');
    assert.equal(t2!.TunnelInsideCidr, '169.254.22.0/30');
    assert.equal(t1!.PreSharedKey, 'Tunnel1.secret_key');
    assert.equal(t2!.PreSharedKey, 'Tunnel2.secret_key');
    assert.deepEqual(t1!.Phase1EncryptionAlgorithms, [{ Value: 'AES256' }]);
    assert.deepEqual(t1!.Phase2EncryptionAlgorithms, [{ Value: 'AES256' }, { Value: 'AES256-GCM-16' }]);
    assert.deepEqual(t1!.Phase1IntegrityAlgorithms, [{ Value: 'SHA2-256' }]);
    assert.deepEqual(t1!.Phase1DHGroupNumbers, [{ Value: 14 }]);
    assert.deepEqual(t1!.Phase2DHGroupNumbers, [{ Value: 14 }]);
    assert.deepEqual(t1!.IkeVersions, [{ Value: 'ikev2' }]);
    assert.equal(t1!.StartupAction, 'start');
    assert.equal(t1!.DpdTimeoutSeconds, 40);
    assert.equal(t2!.Phase1LifetimeSeconds, 28800, 'defaults are filled in');
    assert.deepEqual(got.VgwTelemetry?.map((t) => t.OutsideIpAddress), [t1!.OutsideIpAddress, t2!.OutsideIpAddress]);
    assert.match(got.CustomerGatewayConfiguration ?? '', /169\.254\.21\.2/);

    // Omitted PSKs and inside CIDRs are generated, as AWS does.
    const [g1, g2] = (await describeVpn(client, vpn2.VpnConnectionId!)).Options!.TunnelOptions!;
    for (const t of [g1!, g2!]) {
      assert.match(t.PreSharedKey!, /^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/);
      assert.match(t.TunnelInsideCidr!, /^169\.254\.\d+\.\d+\/30$/);
    }
    assert.notEqual(g1!.TunnelInsideCidr, g2!.TunnelInsideCidr);

    const outside = [t1, t2, g1, g2].map((t) => t!.OutsideIpAddress!);
    assert.equal(new Set(outside).size, 4, `distinct outside IPs: ${outside.join(', ')}`);
    for (const ip of outside) assert.match(ip, /^(198\.51\.100|203\.0\.113)\.\d+$/);
  });

  test('ModifyVpnTunnelOptions changes one tunnel\'s key, IPsec policy and inside CIDR (the tunnel named by its outside IP), validated as a create\'s; a bad or reserved CIDR, the other tunnel\'s CIDR, bad values and another connection\'s tunnel are refused', async () => {
    const { tgw, cgw } = await backbone(client, 'modify');
    const vpn = await vpnAvailable(client, (await createVpn(client, 'modify', cgw.CustomerGatewayId!, tgw.TransitGatewayId!)).VpnConnectionId!);
    const [t1, t2] = vpn.Options!.TunnelOptions!;
    const modify = (TunnelOptions: Record<string, unknown>, outside = t2!.OutsideIpAddress) =>
      client.send(new ModifyVpnTunnelOptionsCommand({ VpnConnectionId: vpn.VpnConnectionId, VpnTunnelOutsideIpAddress: outside, TunnelOptions }));
    await modify({ PreSharedKey: 'Changed.by_hand42' });
    await modify({ Phase1EncryptionAlgorithms: [{ Value: 'AES128' }], Phase2DHGroupNumbers: [{ Value: 5 }, { Value: 14 }], DPDTimeoutSeconds: 60, StartupAction: 'add' });
    const [m1, m2] = (await describeVpn(client, vpn.VpnConnectionId!)).Options!.TunnelOptions!;
    assert.deepEqual([m1!.PreSharedKey, m2!.PreSharedKey], [t1!.PreSharedKey, 'Changed.by_hand42']);
    assert.deepEqual([m2!.Phase1EncryptionAlgorithms, m2!.Phase2DHGroupNumbers, m2!.DpdTimeoutSeconds, m2!.StartupAction], [[{ Value: 'AES128' }], [{ Value: 5 }, { Value: 14 }], 60, 'add']);
    assert.deepEqual(m2!.Phase1IntegrityAlgorithms, t2!.Phase1IntegrityAlgorithms, 'what the request leaves out keeps its value');
    assert.deepEqual([m1!.Phase1EncryptionAlgorithms, m1!.DpdTimeoutSeconds], [t1!.Phase1EncryptionAlgorithms, t1!.DpdTimeoutSeconds], 'the other tunnel is untouched');
    const bad = awsError('InvalidParameterValue', 400);
    await assert.rejects(modify({ PreSharedKey: '0startsWithZero' }), bad);
    await modify({ TunnelInsideCidr: '169.254.22.16/30' });
    const [c1, c2] = (await describeVpn(client, vpn.VpnConnectionId!)).Options!.TunnelOptions!;
    assert.deepEqual([c1!.TunnelInsideCidr, c2!.TunnelInsideCidr, c2!.OutsideIpAddress, c2!.PreSharedKey], [t1!.TunnelInsideCidr, '169.254.22.16/30', t2!.OutsideIpAddress, 'Changed.by_hand42'], 'the same tunnel, its key kept');
    await assert.rejects(modify({ TunnelInsideCidr: t1!.TunnelInsideCidr }), bad);
    await assert.rejects(modify({ TunnelInsideCidr: '169.254.5.0/30' }), bad);
    await assert.rejects(modify({ TunnelInsideCidr: '169.254.22.16/29' }), bad);
    await assert.rejects(modify({ Phase1DHGroupNumbers: [{ Value: 5 }] }), bad);
    await assert.rejects(modify({ Phase2LifetimeSeconds: 3600, Phase1LifetimeSeconds: 3000 }), bad);
    await assert.rejects(modify({ PreSharedKey: 'Another.key_1234' }, '192.0.2.250'), bad);
  });

  test('ModifyVpnConnection moves a connection to another customer gateway, which then cannot be deleted while in use; a deleted gateway is refused', async () => {
    const { tgw, cgw } = await backbone(client, 'move');
    const vpn = await vpnAvailable(client, (await createVpn(client, 'move', cgw.CustomerGatewayId!, tgw.TransitGatewayId!)).VpnConnectionId!);
    const other = (await client.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '192.0.2.77', BgpAsn: 65077 }))).CustomerGateway!;
    await client.send(new ModifyVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId, CustomerGatewayId: other.CustomerGatewayId }));
    assert.equal((await describeVpn(client, vpn.VpnConnectionId!)).CustomerGatewayId, other.CustomerGatewayId);
    await assert.rejects(client.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: other.CustomerGatewayId })), awsError('IncorrectState', 400));
    await client.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: cgw.CustomerGatewayId }));
    await assert.rejects(client.send(new ModifyVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId, CustomerGatewayId: cgw.CustomerGatewayId })), (e: any) => e.name === 'InvalidCustomerGatewayID.NotFound');
  });

  test('invalid PSK and reserved or malformed inside CIDR are rejected with InvalidParameterValue', async () => {
    const { tgw, cgw } = await backbone(client, 'invalid');
    const attempt = (tunnels: VpnTunnelOptionsSpecification[]) => createVpn(client, 'invalid', cgw.CustomerGatewayId!, tgw.TransitGatewayId!, tunnels);
    const bad = awsError('InvalidParameterValue', 400);
    await assert.rejects(attempt([{ PreSharedKey: '0startsWithZero' }, {}]), bad);
    await assert.rejects(attempt([{ PreSharedKey: 'short' }, {}]), bad);
    await assert.rejects(attempt([{ PreSharedKey: 'has-a-dash-1234' }, {}]), bad);
    await assert.rejects(attempt([{ TunnelInsideCidr: '169.254.5.0/30' }, {}]), bad);
    await assert.rejects(attempt([{ TunnelInsideCidr: '169.254.169.252/30' }, {}]), bad);
    await assert.rejects(attempt([{ TunnelInsideCidr: '169.254.21.0/29' }, {}]), bad);
    await assert.rejects(attempt([{ TunnelInsideCidr: '10.0.0.0/30' }, {}]), bad);
    await assert.rejects(attempt([{ TunnelInsideCidr: '169.254.21.0/30' }, { TunnelInsideCidr: '169.254.21.0/30' }]), bad);
    await assert.rejects(attempt([{ IKEVersions: [{ Value: 'ikev3' }] }, {}]), bad);
    await assert.rejects(attempt([{ Phase1DHGroupNumbers: [{ Value: 5 }] }, {}]), bad);
    const vpns = await client.send(new DescribeVpnConnectionsCommand({}));
    assert.equal(vpns.VpnConnections?.length ?? 0, 0, 'nothing was created');
  });

  test('telemetry reflects the fabric answer, then reports DOWN when the fabric is unreachable', async () => {
    const { tgw, cgw } = await backbone(client, 'telemetry');
    const vpn = await createVpn(client, 'telemetry', cgw.CustomerGatewayId!, tgw.TransitGatewayId!);
    const [t1, t2] = vpn.Options!.TunnelOptions!;
    fabric.upIps.add(t1!.OutsideIpAddress!);

    const pending = await describeVpn(client, vpn.VpnConnectionId!);
    assert.deepEqual(pending.VgwTelemetry?.map((t) => t.Status), ['DOWN', 'DOWN'], 'a pending VPN has no tunnel up');
    // The SDK's own waiter works against the emulator.
    const waited = await waitUntilVpnConnectionAvailable({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { VpnConnectionIds: [vpn.VpnConnectionId!] });
    assert.equal(waited.state, 'SUCCESS');
    const postsBefore = fabric.posted.length;
    const up = await describeVpn(client, vpn.VpnConnectionId!);
    assert.equal(fabric.posted.length, postsBefore + 1, 'one fabric round trip per describe');
    const posted = fabric.posted.at(-1)!.vpnConnections.find((v) => v.vpnConnectionId === vpn.VpnConnectionId);
    assert.deepEqual(posted?.tunnels.map((t) => t.outsideIpAddress), [t1!.OutsideIpAddress, t2!.OutsideIpAddress]);

    const byIp = new Map(up.VgwTelemetry!.map((t) => [t.OutsideIpAddress, t]));
    assert.equal(byIp.get(t1!.OutsideIpAddress)?.Status, 'UP');
    assert.equal(byIp.get(t1!.OutsideIpAddress)?.StatusMessage, '1 BGP ROUTES');
    assert.equal(byIp.get(t1!.OutsideIpAddress)?.AcceptedRouteCount, 1);
    assert.equal(byIp.get(t1!.OutsideIpAddress)?.LastStatusChange?.toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(byIp.get(t2!.OutsideIpAddress)?.Status, 'DOWN');
    assert.equal(byIp.get(t2!.OutsideIpAddress)?.StatusMessage, 'IPSEC IS DOWN');

    fabric.reachable = false;
    const down = await describeVpn(client, vpn.VpnConnectionId!);
    assert.deepEqual(down.VgwTelemetry?.map((t) => [t.Status, t.StatusMessage, t.AcceptedRouteCount]), [
      ['DOWN', 'IPSEC IS DOWN', 0],
      ['DOWN', 'IPSEC IS DOWN', 0],
    ]);
    assert.ok(down.VgwTelemetry![0]!.LastStatusChange! > new Date('2024-05-01T10:00:00.000Z'), 'the UP→DOWN change is dated');
  });

  test('SearchTransitGatewayRoutes (type=propagated) lists the VPC CIDR, and the VNet the VPN accepted only while one of its tunnels is UP; a fabric outage withdraws it', async () => {
    const { tgw, cgw, attachment } = await backbone(client, 'learned', { cidr: '10.40.0.0/16', cgwIp: '192.0.2.40' });
    const vpn = await createVpn(client, 'learned', cgw.CustomerGatewayId!, tgw.TransitGatewayId!);
    await vpnAvailable(client, vpn.VpnConnectionId!);
    const table = (await client.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgw.TransitGatewayId!] }))).TransitGateways![0]!.Options!.PropagationDefaultRouteTableId!;
    const propagated = async (extra: Filter[] = []) => ((await client.send(new SearchTransitGatewayRoutesCommand({
      TransitGatewayRouteTableId: table, Filters: [{ Name: 'type', Values: ['propagated'] }, ...extra],
    }))).Routes ?? []).map((r) => `${r.DestinationCidrBlock} ${r.Type} ${r.State} ${r.TransitGatewayAttachments?.map((a) => `${a.ResourceType}:${a.ResourceId}`).join()}`);

    assert.deepEqual(await propagated(), [`10.40.0.0/16 propagated active vpc:${attachment.VpcId}`], 'every tunnel DOWN: nothing learned from the VPN');
    fabric.upIps.add(vpn.Options!.TunnelOptions![1]!.OutsideIpAddress!);
    assert.deepEqual(await propagated(), [`10.40.0.0/16 propagated active vpc:${attachment.VpcId}`, `${AZURE_VNET} propagated active vpn:${vpn.VpnConnectionId}`]);
    assert.deepEqual(await propagated([{ Name: 'attachment.resource-type', Values: ['vpn'] }]), [`${AZURE_VNET} propagated active vpn:${vpn.VpnConnectionId}`]);
    assert.deepEqual(await propagated([{ Name: 'route-search.supernet-of-match', Values: ['10.20.5.0/24'] }]), [`${AZURE_VNET} propagated active vpn:${vpn.VpnConnectionId}`]);

    fabric.reachable = false;
    assert.deepEqual(await propagated([{ Name: 'attachment.resource-type', Values: ['vpn'] }]), [], 'the far end silent: the route is withdrawn');
    await assert.rejects(client.send(new SearchTransitGatewayRoutesCommand({ TransitGatewayRouteTableId: table, Filters: [{ Name: 'nonsense', Values: ['x'] }] })), awsError('InvalidParameterValue', 400));
  });

  test('TGW deletion is refused with IncorrectState while a VPC or VPN attachment exists', async () => {
    const { tgw, attachment, cgw } = await backbone(client, 'tgwdel');
    const tgwId = tgw.TransitGatewayId!;
    const vpn = await createVpn(client, 'tgwdel', cgw.CustomerGatewayId!, tgwId);
    const attachments = async () => (await client.send(new DescribeTransitGatewayAttachmentsCommand({ Filters: [{ Name: 'transit-gateway-id', Values: [tgwId] }] })))
      .TransitGatewayAttachments!.map((a) => `${a.ResourceType} ${a.State}`).sort();
    const refused = awsError('IncorrectState', 400);
    await assert.rejects(client.send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgwId })), refused);

    // The deletes below at the real clouds' pace: each refusal meets the attachments in the state it names.
    await setTimeScale(moto.url, REAL_TIME);
    await client.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: attachment.TransitGatewayAttachmentId! }));
    await assert.rejects(client.send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgwId })), refused, 'the VPN attachment still holds it');
    await client.send(new DeleteVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId! }));
    assert.deepEqual(await attachments(), ['vpc deleting', 'vpn deleting']);
    await assert.rejects(client.send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgwId })), refused, 'attachments that are only deleting still hold it');

    await setTimeScale(moto.url, FAST_SCALE);
    await until('all attachments deleted', attachments, (all) => all.every((a) => a.endsWith(' deleted')));
    const deleted = await client.send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgwId }));
    assert.equal(deleted.TransitGateway?.State, 'deleting');
  });

  test('CGW deletion is refused with IncorrectState while a VPN uses it', async () => {
    const { tgw, cgw } = await backbone(client, 'cgwdel');
    const vpn = await createVpn(client, 'cgwdel', cgw.CustomerGatewayId!, tgw.TransitGatewayId!);
    await assert.rejects(client.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: cgw.CustomerGatewayId! })), awsError('IncorrectState', 400));
    await client.send(new DeleteVpnConnectionCommand({ VpnConnectionId: vpn.VpnConnectionId! }));
    await waitUntilVpnConnectionDeleted({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { VpnConnectionIds: [vpn.VpnConnectionId!] });
    await client.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: cgw.CustomerGatewayId! }));
    const after = await client.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: [cgw.CustomerGatewayId!] }));
    assert.equal(after.CustomerGateways?.[0]?.State, 'deleted');
  });

  test('CGW create is idempotent on (type, IpAddress, BgpAsn) and accepts PublicIp too', async () => {
    const create = (ip: string, asn: number, legacy = false) => client.send(new CreateCustomerGatewayCommand(
      legacy ? { Type: 'ipsec.1', PublicIp: ip, BgpAsn: asn } : { Type: 'ipsec.1', IpAddress: ip, BgpAsn: asn, TagSpecifications: tags('customer-gateway', 'idem') },
    ));
    const first = (await create('192.0.2.30', 65010)).CustomerGateway!;
    assert.equal(first.IpAddress, '192.0.2.30');
    assert.equal(first.BgpAsn, '65010');
    assert.equal((await create('192.0.2.30', 65010)).CustomerGateway!.CustomerGatewayId, first.CustomerGatewayId);
    assert.equal((await create('192.0.2.30', 65010, true)).CustomerGateway!.CustomerGatewayId, first.CustomerGatewayId, 'PublicIp is the same field');
    assert.notEqual((await create('192.0.2.30', 65011)).CustomerGateway!.CustomerGatewayId, first.CustomerGatewayId, 'another ASN is another gateway');

    await client.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: first.CustomerGatewayId! }));
    assert.notEqual((await create('192.0.2.30', 65010)).CustomerGateway!.CustomerGatewayId, first.CustomerGatewayId, 'a deleted gateway is not returned');
  });

  test('vpn-view has the README shape, spans regions, lists advertisedCidrs of available VPC attachments and never calls the fabric', async () => {
    const east = await backbone(client, 'view', { asn: 64513, cgwIp: '192.0.2.40', cidr: '10.40.0.0/16' });
    const vpn = await createVpn(client, 'view', east.cgw.CustomerGatewayId!, east.tgw.TransitGatewayId!);
    const westClient = ec2(moto.url, 'eu-west-1');
    const west = await backbone(westClient, 'view-west', { asn: 64514, cgwIp: '192.0.2.41', cidr: '10.41.0.0/16' });
    const westVpn = await createVpn(westClient, 'view-west', west.cgw.CustomerGatewayId!, west.tgw.TransitGatewayId!, [{}, {}]);
    await vpnAvailable(client, vpn.VpnConnectionId!);
    const posts = fabric.posted.length;

    const view = (await sim(moto.url, '/_sim/vpn-view')) as AwsView;
    assert.equal(fabric.posted.length, posts, 'vpn-view does not call the fabric');
    assert.deepEqual(view.vpnConnections.map((v) => v.vpnConnectionId).sort(), [vpn.VpnConnectionId, westVpn.VpnConnectionId].sort());
    const v = view.vpnConnections.find((x) => x.vpnConnectionId === vpn.VpnConnectionId)!;
    assert.deepEqual(v, {
      vpnConnectionId: vpn.VpnConnectionId,
      state: 'available',
      transitGatewayId: east.tgw.TransitGatewayId,
      transitGatewayAsn: 64513,
      customerGatewayId: east.cgw.CustomerGatewayId,
      customerGatewayIp: '192.0.2.40',
      customerGatewayAsn: 65010,
      advertisedCidrs: ['10.40.0.0/16'],
      tunnels: [
        {
          outsideIpAddress: vpn.Options!.TunnelOptions![0]!.OutsideIpAddress,
          tunnelInsideCidr: '169.254.21.0/30',
          preSharedKey: 'Tunnel1.secret_key',
          ikeVersions: ['ikev2'],
          phase1EncryptionAlgorithms: ['AES256'],
          phase1IntegrityAlgorithms: ['SHA2-256'],
          phase1DHGroupNumbers: [14],
          phase2EncryptionAlgorithms: ['AES256', 'AES256-GCM-16'],
          phase2IntegrityAlgorithms: ['SHA2-256'],
          phase2DHGroupNumbers: [14],
        },
        {
          outsideIpAddress: vpn.Options!.TunnelOptions![1]!.OutsideIpAddress,
          tunnelInsideCidr: '169.254.22.0/30',
          preSharedKey: 'Tunnel2.secret_key',
          ikeVersions: ['ikev2'],
          phase1EncryptionAlgorithms: [],
          phase1IntegrityAlgorithms: [],
          phase1DHGroupNumbers: [],
          phase2EncryptionAlgorithms: [],
          phase2IntegrityAlgorithms: [],
          phase2DHGroupNumbers: [],
        },
      ],
    });
    assert.equal(view.vpnConnections.find((x) => x.vpnConnectionId === westVpn.VpnConnectionId)?.transitGatewayAsn, 64514);

    // A VPC whose attachment is being deleted is no longer advertised; a deleted VPN leaves the view.
    await client.send(new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: east.attachment.TransitGatewayAttachmentId! }));
    await westClient.send(new DeleteVpnConnectionCommand({ VpnConnectionId: westVpn.VpnConnectionId! }));
    westClient.destroy();
    const later = (await sim(moto.url, '/_sim/vpn-view')) as AwsView;
    assert.deepEqual(later.vpnConnections.find((x) => x.vpnConnectionId === vpn.VpnConnectionId)?.advertisedCidrs, []);
    await until('west VPN leaves the view', () => sim(moto.url, '/_sim/vpn-view') as Promise<AwsView>,
      (x) => x.vpnConnections.every((c) => c.vpnConnectionId !== westVpn.VpnConnectionId));
  });

  test('vpn-view shows a change the moment it is made, though Moto builds it only after one: a VPN turning available, a tunnel\'s new key', async () => {
    const b = await backbone(client, 'view-fresh', { asn: 64515, cgwIp: '192.0.2.42', cidr: '10.42.0.0/16' });
    const vpn = await createVpn(client, 'view-fresh', b.cgw.CustomerGatewayId!, b.tgw.TransitGatewayId!);
    const inView = async () => ((await sim(moto.url, '/_sim/vpn-view')) as AwsView).vpnConnections.find((x) => x.vpnConnectionId === vpn.VpnConnectionId)!;
    assert.equal((await inView()).state, 'pending');
    // Read through the view alone: its create time passing is what turns it over, no describe.
    await until('the view shows the VPN available', inView, (v) => v.state === 'available');
    const outside = vpn.Options!.TunnelOptions![1]!.OutsideIpAddress!;
    assert.equal((await inView()).tunnels[1]!.preSharedKey, 'Tunnel2.secret_key');
    await client.send(new ModifyVpnTunnelOptionsCommand({ VpnConnectionId: vpn.VpnConnectionId, VpnTunnelOutsideIpAddress: outside, TunnelOptions: { PreSharedKey: 'Fresh.key_in_view1' } }));
    assert.equal((await inView()).tunnels[1]!.preSharedKey, 'Fresh.key_in_view1');
  });

  test('a fault on the 2nd CreateCustomerGateway fires once with the given code and is counted', async () => {
    await sim(moto.url, '/_sim/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'ec2.CreateCustomerGateway', kind: 'error', nth: 2, count: 1, status: 409, code: 'SimulatedConflict', message: 'injected' }),
    });
    const create = (ip: string) => client.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: ip, BgpAsn: 65010 }));
    await create('192.0.2.50');
    await assert.rejects(create('192.0.2.51'), (error: any) => {
      assert.equal(error.name, 'SimulatedConflict');
      assert.equal(error.message, 'injected');
      assert.equal(error.$metadata.httpStatusCode, 409);
      return true;
    });
    await create('192.0.2.52');
    const { faults: rules } = await sim(moto.url, '/_sim/faults');
    assert.equal(rules.length, 1);
    assert.equal(rules[0].fired, 1);
    assert.equal((await sim(moto.url, '/_sim/calls'))['ec2.CreateCustomerGateway'], 3, 'faulted calls are counted too');
    const gateways = await client.send(new DescribeCustomerGatewaysCommand({}));
    assert.deepEqual(gateways.CustomerGateways!.map((g) => g.IpAddress).sort(), ['192.0.2.50', '192.0.2.52'], 'the faulted call had no effect');
  });

  test('throttle, server-error and timeout faults answer RequestLimitExceeded/503, InternalError/500 and (late) 504, only for requests that match', async () => {
    const post = (rule: object) => sim(moto.url, '/_sim/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    await post({ operation: 'ec2.CreateVpc', kind: 'throttle', match: '10.77.' });
    await post({ operation: 'ec2.DescribeVpcs', kind: 'server-error', count: 2 });
    await client.send(new CreateVpcCommand({ CidrBlock: '10.66.0.0/16' }));
    await assert.rejects(client.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' })), awsError('RequestLimitExceeded', 503));
    await client.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }));
    await assert.rejects(client.send(new DescribeVpcsCommand({})), awsError('InternalError', 500));
    await assert.rejects(client.send(new DescribeVpcsCommand({})), awsError('InternalError', 500));
    await client.send(new DescribeVpcsCommand({}));
    await post({ operation: 'ec2.DescribeSubnets', kind: 'timeout', seconds: 0.3 });
    const t0 = Date.now();
    await assert.rejects(client.send(new DescribeSubnetsCommand({})), awsError('RequestTimeout', 504));
    assert.ok(Date.now() - t0 >= 300, 'the request is held for `seconds`');
    await sim(moto.url, '/_sim/faults', { method: 'DELETE' });
    assert.deepEqual((await sim(moto.url, '/_sim/faults')).faults, []);
  });

  test('calls are counted by operation; /_sim and /moto-api requests are not counted', async () => {
    await client.send(new DescribeVpcsCommand({}));
    await client.send(new DescribeVpcsCommand({}));
    await client.send(new CreateVpcCommand({ CidrBlock: '10.90.0.0/16' }));
    await sim(moto.url, '/_sim/vpn-view');
    await fetch(`${moto.url}/moto-api/data.json`);
    assert.deepEqual(await sim(moto.url, '/_sim/calls'), { 'ec2.DescribeVpcs': 2, 'ec2.CreateVpc': 1 });
    await sim(moto.url, '/_sim/calls', { method: 'DELETE' });
    assert.deepEqual(await sim(moto.url, '/_sim/calls'), {});
  });

  test('tag filters with a colon in the key work on VPCs, subnets, TGWs, VPC attachments, CGWs and VPNs', async () => {
    const a = await backbone(client, 'mesh-a', { cgwIp: '192.0.2.60', cidr: '10.60.0.0/16' });
    const b = await backbone(client, 'mesh-b', { cgwIp: '192.0.2.61', cidr: '10.61.0.0/16' });
    const vpnA = await createVpn(client, 'mesh-a', a.cgw.CustomerGatewayId!, a.tgw.TransitGatewayId!, [{}, {}]);
    await createVpn(client, 'mesh-b', b.cgw.CustomerGatewayId!, b.tgw.TransitGatewayId!, [{}, {}]);
    const f = byMesh('mesh-a');
    const ids = {
      vpcs: (await client.send(new DescribeVpcsCommand({ Filters: f }))).Vpcs!.map((x) => x.VpcId),
      subnets: (await client.send(new DescribeSubnetsCommand({ Filters: f }))).Subnets!.map((x) => x.SubnetId),
      tgws: (await client.send(new DescribeTransitGatewaysCommand({ Filters: f }))).TransitGateways!.map((x) => x.TransitGatewayId),
      attachments: (await client.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: f }))).TransitGatewayVpcAttachments!.map((x) => x.TransitGatewayAttachmentId),
      cgws: (await client.send(new DescribeCustomerGatewaysCommand({ Filters: f }))).CustomerGateways!.map((x) => x.CustomerGatewayId),
      vpns: (await client.send(new DescribeVpnConnectionsCommand({ Filters: f }))).VpnConnections!.map((x) => x.VpnConnectionId),
    };
    assert.deepEqual(ids, {
      vpcs: [a.vpc.VpcId],
      subnets: [a.subnet.SubnetId],
      tgws: [a.tgw.TransitGatewayId],
      attachments: [a.attachment.TransitGatewayAttachmentId],
      cgws: [a.cgw.CustomerGatewayId],
      vpns: [vpnA.VpnConnectionId],
    });
    const tgwTags = (await client.send(new DescribeTransitGatewaysCommand({ Filters: f }))).TransitGateways![0]!.Tags;
    assert.deepEqual(tgwTags?.find((t) => t.Key === MESH)?.Value, 'mesh-a');
    const attachmentTags = (await client.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: f }))).TransitGatewayVpcAttachments![0]!.Tags;
    assert.deepEqual(attachmentTags?.find((t) => t.Key === MESH)?.Value, 'mesh-a', 'attachment TagSpecifications are stored');
  });

  test('CreateRoute to a transit gateway shows in DescribeRouteTables and DeleteRoute removes it', async () => {
    const { tgw, vpc } = await backbone(client, 'routes');
    const tables = async () => (await client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }))).RouteTables!;
    const rtb = (await tables())[0]!.RouteTableId!;
    await client.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.100.0.0/16', TransitGatewayId: tgw.TransitGatewayId! }));
    const route = (await tables())[0]!.Routes!.find((r) => r.DestinationCidrBlock === '10.100.0.0/16');
    assert.equal(route?.TransitGatewayId, tgw.TransitGatewayId);
    await client.send(new DeleteRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: '10.100.0.0/16' }));
    assert.equal((await tables())[0]!.Routes!.find((r) => r.DestinationCidrBlock === '10.100.0.0/16'), undefined);
  });

  test('attachments and VPNs on a transit gateway that is not yet available are refused with IncorrectState', async () => {
    // At the real clouds' pace the gateway stays pending 180 s: every request below meets it pending.
    await setTimeScale(moto.url, REAL_TIME);
    const tgw = (await client.send(new CreateTransitGatewayCommand({}))).TransitGateway!;
    const vpc = (await client.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!;
    const subnet = (await client.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.30.1.0/24' }))).Subnet!;
    const cgw = (await client.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '192.0.2.70', BgpAsn: 65010 }))).CustomerGateway!;
    await assert.rejects(client.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgw.TransitGatewayId!, VpcId: vpc.VpcId!, SubnetIds: [subnet.SubnetId!] })), awsError('IncorrectState', 400));
    await assert.rejects(createVpn(client, 'early', cgw.CustomerGatewayId!, tgw.TransitGatewayId!, [{}, {}]), awsError('IncorrectState', 400));
    const pending = (await client.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgw.TransitGatewayId!] }))).TransitGateways![0]!;
    assert.equal(pending.State, 'pending', 'the refusals met a pending gateway');

    // Once it is available, the same requests are accepted: the refusals were for its state.
    await setTimeScale(moto.url, FAST_SCALE);
    await until('TGW available', async () => (await client.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgw.TransitGatewayId!] }))).TransitGateways![0]!, (t) => t.State === 'available');
    const attachment = (await client.send(new CreateTransitGatewayVpcAttachmentCommand({ TransitGatewayId: tgw.TransitGatewayId!, VpcId: vpc.VpcId!, SubnetIds: [subnet.SubnetId!] }))).TransitGatewayVpcAttachment!;
    assert.equal(attachment.State, 'pending');
    assert.equal((await createVpn(client, 'early', cgw.CustomerGatewayId!, tgw.TransitGatewayId!, [{}, {}])).State, 'pending');
  });
});
