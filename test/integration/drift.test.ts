/**
 * Drift on the proving ground, one mesh (the cells example: one EKS and one AKS cell, one
 * traffic policy). Every drift case is made by hand at once, through the emulators' own APIs
 * and the cells' API servers, as an operator would: an Azure connection deleted, an AWS VPN
 * connection deleted, a tunnel's pre-shared key changed on AWS, the EKS node group scaled,
 * cacerts edited, another cell's cacerts replaced by an intermediate issued by hand from the
 * mesh root, a remote secret deleted, a DestinationRule edited. An intermediate rotation
 * before them is not drift (the mesh records what it wrote). A requested check
 * reports each (resource, field, both values; keys only as fingerprints); the spec switched
 * to `repair` (a PUT, so a change) repairs each, judged from the clouds and clusters
 * themselves; DELETE then leaves nothing, what was made again included.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { NetworkManagementClient } from '@azure/arm-network';
import { DeleteVpnConnectionCommand, DescribeVpnConnectionsCommand, EC2Client, ModifyVpnTunnelOptionsCommand, type VpnConnection } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, EKSClient, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { cacertsData } from '../../activities/pki/cacerts.ts';
import { issueIntermediate } from '../../activities/pki/certificate-authority.ts';
import { rootSecretName } from '../../domain/pki-profile.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { cellClusterName, cellKubeConfig, core } from '../support/kube.ts';
import { allConnected, checked, reportAfter } from '../support/drift-checks.ts';
import { api, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const MESH = 'drf';
const SUB = '00000000-0000-0000-0000-000000000000';
const RG = `cellbridge-${MESH}`;
const UP = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const NEW_KEY = 'DriftedByHand_0123456789abcdef';
const fingerprint = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
const text = (secret: V1Secret, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
/** The intermediate the test put in west's cacerts by hand. */
let handMadeWest = '';

describe('drift of a live mesh', () => {
  const stack = useStack('drift', { timeScale: FAST_TIME_SCALE });
  let spec: any;
  let oldKey = '';

  test('a fresh mesh has no drift; every drift case made by hand is reported with its resource, field and both values, keys only as fingerprints', async () => {
    const e = stack.endpoints();
    spec = exampleSpec('cells', { name: MESH });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, UP, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failed: ready.verification?.checks?.filter((c: any) => !c.pass) }));

    const clean = await checked(e, MESH);
    assert.deepEqual(clean.drifts, [], `nothing has drifted yet: ${JSON.stringify(clean.drifts)}`);
    assert.ok(clean.checked > 40, `every resource of the mesh is read (${clean.checked})`);

    // A rotation writes cacerts outside the mesh's engine; the mesh records what it wrote as it lets go, so a rotation is not drift.
    const configs = await cellConfigs(e);
    const beforeRotation = fingerprint256(text(await secret(configs.west, 'cacerts'), 'ca-cert.pem'));
    const rotated = await rotateIntermediates(e);
    assert.equal(rotated.phase, 'done', JSON.stringify(rotated));
    assert.notEqual(fingerprint256(text(await secret(configs.west, 'cacerts'), 'ca-cert.pem')), beforeRotation, 'the rotation wrote a new intermediate');
    const afterRotation = await checked(e, MESH);
    assert.deepEqual(afterRotation.drifts, [], `a rotation by cellbridge is not drift: ${JSON.stringify(afterRotation.drifts)}`);

    const { ec2, eks, network } = clouds(e);
    const vpn0 = await vpnConnection(ec2, 0);
    const tunnel1 = vpn0.Options!.TunnelOptions!.find((t) => t.TunnelInsideCidr === '169.254.22.0/30')!;
    oldKey = tunnel1.PreSharedKey!;
    const westIntermediate = fingerprint256(text(await secret(configs.west, 'cacerts'), 'ca-cert.pem'));
    await Promise.all([
      network.virtualNetworkGatewayConnections.beginDeleteAndWait(RG, `${MESH}-to-aws-t0`),
      vpnConnection(ec2, 1).then((v) => ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: v.VpnConnectionId }))),
      ec2.send(new ModifyVpnTunnelOptionsCommand({ VpnConnectionId: vpn0.VpnConnectionId, VpnTunnelOutsideIpAddress: tunnel1.OutsideIpAddress, TunnelOptions: { PreSharedKey: NEW_KEY } })),
      eks.send(new UpdateNodegroupConfigCommand({ clusterName: cellClusterName(MESH, 'east'), nodegroupName: 'east-system', scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 3 } })),
      editCacerts(configs.east),
      handMadeCacerts(e, configs.west),
      core(configs.west).deleteNamespacedSecret({ name: `istio-remote-secret-${cellClusterName(MESH, 'east')}`, namespace: 'istio-system' }),
      editDestinationRule(configs.east),
    ]);

    const report = await checked(e, MESH);
    const raw = JSON.stringify(report);
    console.log(`drift report ${report.checkId} (${report.checked} resources read):\n${report.drifts.map((d: any) => `  ${d.id} (${d.name}) ${d.state}: ${d.fields.map((f: any) => `${f.field} expected ${f.expected}, actual ${f.actual}`).join('; ')}`).join('\n')}`);
    assert.ok(!raw.includes(NEW_KEY) && !raw.includes(oldKey), 'no key appears in the report');
    const by = Object.fromEntries(report.drifts.map((d: any) => [d.id, d]));
    const fields = (id: string) => Object.fromEntries((by[id]?.fields ?? []).map((f: any) => [f.field, [f.expected, f.actual]]));

    assert.equal(by['azure/connection/0']?.state, 'missing', raw);
    assert.equal(by['azure/connection/0'].name, `${MESH}-to-aws-t0`);
    assert.deepEqual(fields('azure/connection/0'), { exists: ['present', 'absent'] });
    assert.equal(by['aws/vpn-connection/1']?.state, 'missing', raw);
    assert.equal(by['aws/vpn-connection/1'].name, `${MESH}-vpn-1`);
    // Built on the deleted VPN connection: their desired state (its outside IPs and keys) is unknown until it is back.
    for (const id of ['azure/local-gateway/2', 'azure/local-gateway/3', 'azure/connection/2', 'azure/connection/3']) assert.equal(by[id]?.state, 'unchecked', `${id}: ${raw}`);
    assert.equal(by['azure/connection/1']?.state, 'drifted', raw);
    assert.deepEqual(fields('azure/connection/1'), { sharedKey: [fingerprint(NEW_KEY), fingerprint(oldKey)] }, 'the AWS tunnel\'s key is what Azure should hold: both as fingerprints');
    assert.deepEqual(fields('aws/vpn-connection/0'), { 'tunnel 169.254.22.0/30 PreSharedKey': [fingerprint(oldKey), fingerprint(NEW_KEY)] }, 'the key it was made with against the key it has: both as fingerprints');
    assert.deepEqual(fields('aws/eks-nodegroup/east'), { 'scalingConfig.desiredSize': ['2', '3'], 'scalingConfig.minSize': ['2', '1'], 'scalingConfig.maxSize': ['2', '3'] });
    assert.equal(by['aws/eks-nodegroup/east'].repairBy, 'update');
    const root = rootFingerprint(await secret(configs.west, 'cacerts'));
    assert.deepEqual(Object.keys(fields('istio/east/cacerts')), ['root-cert.pem'], raw);
    assert.equal(fields('istio/east/cacerts')['root-cert.pem'][0], `holds the mesh root ${root}`);
    // It chains to the mesh root and has years left: only the record of what cellbridge wrote tells it apart.
    const handMade = fingerprint256(text(await secret(configs.west, 'cacerts'), 'ca-cert.pem'));
    assert.deepEqual(fields('istio/west/cacerts'), { 'ca-cert.pem fingerprint': [`the intermediate cellbridge wrote, ${westIntermediate}`, handMade] }, raw);
    assert.equal(by['istio/west/cacerts'].repairBy, 'update');
    assert.equal(by['istio/west/remote-secret/east']?.state, 'missing', raw);
    assert.equal(by['istio/west/remote-secret/east'].name, `${cellClusterName(MESH, 'west')}: istio-system/istio-remote-secret-${cellClusterName(MESH, 'east')}`);
    assert.deepEqual(fields('istio/east/traffic-policies'), { 'DestinationRule default/reviews-failover spec.trafficPolicy.outlierDetection.consecutive5xxErrors': ['1', '7'] });
    assert.deepEqual(Object.keys(by).sort(), [
      'aws/eks-nodegroup/east', 'aws/vpn-connection/0', 'aws/vpn-connection/1', 'azure/connection/0', 'azure/connection/1', 'azure/connection/2', 'azure/connection/3',
      'azure/local-gateway/2', 'azure/local-gateway/3', 'istio/east/cacerts', 'istio/east/traffic-policies', 'istio/west/cacerts', 'istio/west/remote-secret/east',
    ], 'nothing else is reported');
    assert.equal(report.mode, 'report');
    assert.equal(report.repair, undefined, 'report mode changes nothing');
    assert.equal(await connectionExists(network, 0), false, 'report mode made nothing again');

    // The same report in the workflow's status, which the Web UI's current details summarize.
    const status = (await api(e, 'GET', `/v1/meshes/${MESH}`)).body;
    assert.equal(status.drift.last.checkId, report.checkId);
  });

  test('switched to repair (a PUT of the spec): every drifted resource is converged or made again, judged from the clouds and clusters; DELETE then leaves nothing', async () => {
    const e = stack.endpoints();
    const next = { ...structuredClone(spec), drift: { mode: 'repair' } };
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.plan.expectedSeconds, 0, 'no resource changes: only the drift setting');
    const report = await reportAfter(e, MESH, (r) => r.trigger === 'spec-changed');
    assert.equal(report.mode, 'repair');
    assert.equal(report.repair?.state, 'Repaired', JSON.stringify(report.repair));
    assert.deepEqual(report.repair.remaining, []);
    console.log(`repair: ${report.repair.rounds} rounds, ${report.repair.repaired.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the report (time scale ${e.timeScale})`);

    const { ec2, eks, network } = clouds(e);
    const configs = await cellConfigs(e);
    // Both VPN connections, every tunnel's key the same at both ends, each local gateway at its tunnel's AWS address.
    for (const i of [0, 1] as const) {
      const vpn = await vpnConnection(ec2, i);
      assert.equal(vpn.State, 'available');
      for (const t of vpn.Options!.TunnelOptions!) {
        const tunnel = ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'].indexOf(t.TunnelInsideCidr!);
        const key = await network.virtualNetworkGatewayConnections.getSharedKey(RG, `${MESH}-to-aws-t${tunnel}`);
        assert.ok(key.value === t.PreSharedKey, `tunnel ${tunnel}: Azure holds AWS's key`);
        const local = await network.localNetworkGateways.get(RG, `${MESH}-aws-t${tunnel}`);
        assert.equal(local.gatewayIpAddress, t.OutsideIpAddress, `tunnel ${tunnel}: the local gateway points at AWS's outside IP`);
      }
    }
    await allConnected(network, RG, MESH);
    const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: cellClusterName(MESH, 'east'), nodegroupName: 'east-system' }))).nodegroup;
    assert.deepEqual(group?.scalingConfig, { minSize: 2, maxSize: 2, desiredSize: 2 });
    const [eastCacerts, westCacerts] = await Promise.all([secret(configs.east, 'cacerts'), secret(configs.west, 'cacerts')]);
    assert.equal(rootFingerprint(eastCacerts), rootFingerprint(westCacerts), 'east holds the mesh root again');
    assert.ok(new X509Certificate(text(eastCacerts, 'ca-cert.pem')).verify(new X509Certificate(text(eastCacerts, 'root-cert.pem')).publicKey), 'its intermediate is issued by it');
    assert.notEqual(fingerprint256(text(westCacerts, 'ca-cert.pem')), handMadeWest, 'west signs with an intermediate cellbridge wrote, not the hand-made one');
    const remote = await secret(configs.west, `istio-remote-secret-${cellClusterName(MESH, 'east')}`);
    assert.equal(remote.metadata?.annotations?.['networking.istio.io/cluster'], cellClusterName(MESH, 'east'));
    const rule = (await configs.east.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: 'default', plural: 'destinationrules', name: 'reviews-failover' })) as any;
    assert.equal(rule.spec.trafficPolicy.outlierDetection.consecutive5xxErrors, 1);

    const again = await checked(e, MESH);
    assert.deepEqual(again.drifts, [], 'a check after the repair finds nothing');

    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, MESH), [], 'what a repair made again is the mesh\'s too');
  });
});

/** An intermediate rotation through the API, waited for to its end. */
async function rotateIntermediates(e: Endpoints): Promise<any> {
  const started = await api(e, 'POST', `/v1/meshes/${MESH}/rotations`, { kind: 'intermediate' });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const deadline = Date.now() + 240_000;
  for (;;) {
    const { status, body } = await api(e, 'GET', `/v1/meshes/${MESH}/rotations/${started.body.rotationId}`);
    if ((status !== 503 && body.workflowStatus !== 'RUNNING') || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function clouds(e: Endpoints) {
  return {
    ec2: new EC2Client({ region: 'us-east-1', endpoint: e.aws, credentials }),
    eks: new EKSClient({ region: 'us-east-1', endpoint: e.aws, credentials }),
    network: new NetworkManagementClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure }),
  };
}

async function vpnConnection(ec2: EC2Client, i: 0 | 1): Promise<VpnConnection> {
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }, { Name: 'tag:cellbridge:resource', Values: [`aws/vpn-connection/${i}`] }];
  const { VpnConnections = [] } = await ec2.send(new DescribeVpnConnectionsCommand({ Filters }));
  const alive = VpnConnections.filter((v) => v.State !== 'deleted' && v.State !== 'deleting');
  assert.equal(alive.length, 1, `one VPN connection ${i}: ${JSON.stringify(VpnConnections.map((v) => v.State))}`);
  return alive[0]!;
}

async function connectionExists(network: NetworkManagementClient, tunnel: number): Promise<boolean> {
  try {
    await network.virtualNetworkGatewayConnections.get(RG, `${MESH}-to-aws-t${tunnel}`);
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function cellConfigs(e: Endpoints): Promise<{ east: KubeConfig; west: KubeConfig }> {
  const spec = { name: MESH, aws: { region: 'us-east-1' }, azure: { subscriptionId: SUB, location: 'eastus' } };
  const [east, west] = await Promise.all([cellKubeConfig(e, spec, 'east', 'aws'), cellKubeConfig(e, spec, 'west', 'azure')]);
  return { east, west };
}

function secret(config: KubeConfig, name: string): Promise<V1Secret> {
  return core(config).readNamespacedSecret({ name, namespace: 'istio-system' });
}

function rootFingerprint(cacerts: V1Secret): string {
  return fingerprint256(text(cacerts, 'root-cert.pem'));
}

function fingerprint256(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}

/** The secret replaced by a well-formed one an operator made: an intermediate issued from the mesh root (read from its store), the same root. */
async function handMadeCacerts(e: Endpoints, config: KubeConfig): Promise<void> {
  const stored = await new SecretsManagerClient({ region: 'us-east-1', endpoint: e.aws, credentials }).send(new GetSecretValueCommand({ SecretId: rootSecretName(MESH) }));
  const root = JSON.parse(stored.SecretString!) as { certPem: string; keyPem: string };
  const intermediate = await issueIntermediate({ root, mesh: MESH, cluster: 'made-by-hand', keyType: 'ECDSA_P256', validityDays: 365, minimumDays: 30, now: new Date() });
  const data = cacertsData({ intermediate, roots: [root.certPem] });
  handMadeWest = fingerprint256(intermediate.certPem);
  const cacerts = await secret(config, 'cacerts');
  await core(config).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body: { ...cacerts, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } });
}

/** A wrong certificate pasted as root-cert.pem: the cell's own intermediate. */
async function editCacerts(config: KubeConfig): Promise<void> {
  const cacerts = await secret(config, 'cacerts');
  await core(config).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body: { ...cacerts, data: { ...cacerts.data, 'root-cert.pem': cacerts.data!['ca-cert.pem']! } } });
}

async function editDestinationRule(config: KubeConfig): Promise<void> {
  const custom = config.makeApiClient(CustomObjectsApi);
  const ref = { group: 'networking.istio.io', version: 'v1', namespace: 'default', plural: 'destinationrules', name: 'reviews-failover' };
  const rule = (await custom.getNamespacedCustomObject(ref)) as any;
  rule.spec.trafficPolicy.outlierDetection.consecutive5xxErrors = 7;
  await custom.replaceNamespacedCustomObject({ ...ref, body: rule });
}
