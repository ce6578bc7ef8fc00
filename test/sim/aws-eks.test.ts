// EKS on the proving ground: the real EKS and IAM SDKs against the extended Moto, whose
// clusters are backed by real kube-apiservers from the kube pool (sim/kube/main.ts).
// Needs NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem and the pool's binaries (sim/setup.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AssociateAccessPolicyCommand,
  CreateAccessEntryCommand,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteAccessEntryCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DisassociateAccessPolicyCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  type Cluster,
  type CreateClusterCommandInput,
  type CreateNodegroupCommandInput,
} from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { presignEksToken } from '../../activities/aws/eks-token.js';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.js';
import { startProcess, type RunningProcess } from '../../sim/child-process.js';
import { freePort } from '../../sim/ports.js';
import { AWS_CLI } from '../../sim/setup.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGION = 'us-east-1';
const TIME_SCALE = 600; // cluster 1 s, node group 0.3 s, cluster deletion 0.5 s
/** A real kube-apiserver has to start; two shared cores make that slow. */
const CONTROL_PLANE_MS = 180_000;
// The stack's credentials: the pool verifies token signatures with them.
const credentials = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };
/** Who Moto's STS says the stack's credentials are: the creator of every cluster here. */
const CALLER = 'arn:aws:sts::123456789012:user/moto';
const ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const VIEW = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';

let pool: RunningProcess;
let poolUrl: string;
let poolDir: string;
let moto: MotoHandle;
let eks: EKSClient;
let iam: IAMClient;
const net = { vpcCidr: '10.20.0.0/16', subnets: [] as string[], otherVpcSubnet: '' };
const roles = { cluster: '', node: '', user: '' };

// --- helpers ------------------------------------------------------------------

function client<T>(Client: new (config: object) => T, endpoint: string): T {
  return new Client({ endpoint, region: REGION, credentials, maxAttempts: 1 });
}

function trust(service: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole'] }] });
}

async function createRole(name: string, service: string): Promise<string> {
  return (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(service) }))).Role!.Arn!;
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

function awsError(code: string, status: number) {
  return (error: any): boolean => {
    assert.equal(error.name, code, `error code (message: ${error.message})`);
    assert.equal(error.$metadata?.httpStatusCode, status);
    return true;
  };
}

async function sim(url: string, path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${url}${path}`, init);
  assert.ok(res.ok, `${init?.method ?? 'GET'} ${path} -> ${res.status}`);
  return res.json();
}

function clusterInput(name: string, extra: Partial<CreateClusterCommandInput> = {}): CreateClusterCommandInput {
  return {
    name,
    roleArn: roles.cluster,
    resourcesVpcConfig: { subnetIds: net.subnets },
    accessConfig: { authenticationMode: 'API' },
    ...extra,
  };
}

function nodegroupInput(clusterName: string, nodegroupName: string, extra: Partial<CreateNodegroupCommandInput> = {}): CreateNodegroupCommandInput {
  return {
    clusterName,
    nodegroupName,
    nodeRole: roles.node,
    subnets: net.subnets,
    scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 },
    instanceTypes: ['m6i.large'],
    ...extra,
  };
}

async function describeCluster(name: string): Promise<Cluster> {
  return (await eks.send(new DescribeClusterCommand({ name }))).cluster!;
}

/** Creates the cluster and follows it to ACTIVE; the statuses seen on the way are returned too. */
async function activeCluster(name: string): Promise<{ cluster: Cluster; seen: string[] }> {
  const created = (await eks.send(new CreateClusterCommand(clusterInput(name)))).cluster!;
  const seen = [created.status!];
  const cluster = await until(`cluster ${name} ACTIVE`, () => describeCluster(name), (c) => {
    if (seen.at(-1) !== c.status) seen.push(c.status!);
    return c.status !== 'CREATING';
  }, CONTROL_PLANE_MS);
  assert.equal(cluster.status, 'ACTIVE', `cluster ${name}: ${JSON.stringify(cluster.health)}`);
  return { cluster, seen };
}

/** The shared ACTIVE cluster (one kube-apiserver for most tests). */
let alpha: Promise<{ cluster: Cluster; seen: string[] }> | undefined;
const sharedCluster = () => (alpha ??= activeCluster('alpha'));
/** A cluster in the API's default authentication mode, CONFIG_MAP; never waited for. */
let beta: Promise<unknown> | undefined;
const configMapCluster = () => (beta ??= eks.send(new CreateClusterCommand(clusterInput('beta', { accessConfig: undefined }))));

/** The HTTP status of GET <endpoint><path> over TLS verified against `ca` (else the process's trust store). */
function probe(endpoint: string, ca?: string, path = '/version', token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { ...(ca ? { ca } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} };
    const request = httpsGet(`${endpoint}${path}`, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.once('error', reject);
    request.setTimeout(5_000, () => request.destroy(new Error('no answer within 5 s')));
  });
}

/** Lists namespaces on the cluster as the stack's caller, with a fresh EKS token each time. */
async function listNamespacesAs(cluster: Cluster, attempt: number): Promise<number> {
  // The API server caches webhook verdicts per token; an earlier signing date makes a new token.
  // Minutes apart: SigV4 dates have whole seconds, so attempts a second apart in signing date
  // and a second apart in time made the same token (a cached verdict), as could the AWS CLI's
  // token signed now. Four minutes back is still inside EKS's 15.
  const signingDate = new Date(Date.now() - attempt * 60_000);
  const token = await presignEksToken({ clusterName: cluster.name!, region: REGION, credentials, stsEndpoint: moto.url, signingDate });
  const ca = Buffer.from(cluster.certificateAuthority!.data!, 'base64').toString('utf8');
  return probe(cluster.endpoint!, ca, '/api/v1/namespaces', token);
}

// --- the tests ----------------------------------------------------------------

describe('AWS emulator: EKS (extended Moto + kube pool)', () => {
  before(async () => {
    const started = Date.now();
    const [poolPort, motoPort] = [await freePort(), await freePort()];
    poolDir = mkdtempSync(join(tmpdir(), 'cellbridge-eks-test-'));
    poolUrl = `http://127.0.0.1:${poolPort}`;
    // The pool needs Moto's URL (STS, access entries) and Moto the pool's: both ports are chosen first.
    pool = await startProcess({
      name: 'kube-pool',
      command: process.execPath,
      args: ['--import', 'tsx', join(REPO, 'sim/kube/main.ts'), '--port', String(poolPort), '--dir', poolDir, '--aws-endpoint', `http://127.0.0.1:${motoPort}`],
      env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      ready: /^READY /,
      logFile: join(REPO, '.stack', 'aws-eks-test-kube.log'),
      timeoutMs: 120_000,
    });
    moto = await startMoto({ port: motoPort, timeScale: TIME_SCALE, consistency: { iamPropagationSeconds: 0 }, kubeUrl: poolUrl, logFile: join(REPO, '.stack', 'aws-eks-test.log') });
    console.log(`# kube pool and Moto started in ${Date.now() - started} ms`);
    eks = client(EKSClient, moto.url);
    iam = client(IAMClient, moto.url);
    const ec2 = client(EC2Client, moto.url);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: net.vpcCidr }))).Vpc!;
    for (const [cidr, zone] of [['10.20.1.0/24', 'a'], ['10.20.2.0/24', 'b']] as const) {
      net.subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: cidr, AvailabilityZone: `${REGION}${zone}` }))).Subnet!.SubnetId!);
    }
    const other = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!;
    net.otherVpcSubnet = (await ec2.send(new CreateSubnetCommand({ VpcId: other.VpcId!, CidrBlock: '10.30.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet!.SubnetId!;
    ec2.destroy();
    roles.cluster = await createRole('mesh-cluster', 'eks.amazonaws.com');
    roles.node = await createRole('mesh-nodes', 'ec2.amazonaws.com');
    roles.user = await createRole('mesh-operator', 'ec2.amazonaws.com');
  });

  after(async () => {
    // A reset makes Moto release every control plane it still holds from the pool.
    if (moto) await fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).catch(() => undefined);
    eks?.destroy();
    iam?.destroy();
    await moto?.stop();
    await pool?.stop();
    if (poolDir) rmSync(poolDir, { recursive: true, force: true });
  });

  test('a cluster goes CREATING → ACTIVE with a reachable https endpoint whose TLS verifies against certificateAuthority.data', async () => {
    const { cluster, seen } = await sharedCluster();
    assert.deepEqual(seen, ['CREATING', 'ACTIVE']);
    assert.equal(cluster.version, '1.34', 'the latest supported version by default');
    assert.equal(cluster.kubernetesNetworkConfig?.serviceIpv4Cidr, '172.20.0.0/16', 'EKS avoids 10.100.0.0/16 in a 10.x VPC');
    assert.deepEqual(cluster.accessConfig, { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: true });
    assert.match(cluster.endpoint!, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = Buffer.from(cluster.certificateAuthority!.data!, 'base64').toString('utf8');
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    const status = await probe(cluster.endpoint!, ca);
    assert.ok([200, 401, 403].includes(status), `an API server answers over verified TLS (HTTP ${status})`);
    await assert.rejects(probe(cluster.endpoint!), /certificate|self.signed|verify/i, 'the stack CA does not sign it: the cluster has its own');
    const pooled = await sim(poolUrl, `/clusters/eks-${REGION}-alpha`);
    assert.equal(pooled.state, 'ready');
    assert.equal(pooled.endpoint, cluster.endpoint);
  });

  test('invalid inputs answer the real error codes', async () => {
    await sharedCluster(); // node group cases need an ACTIVE cluster
    await configMapCluster();
    assert.equal((await describeCluster('beta')).status, 'CREATING');
    await assert.rejects(eks.send(new CreateNodegroupCommand(nodegroupInput('beta', 'ng'))), awsError('InvalidRequestException', 400),
      'a node group on a cluster still CREATING');
    await assert.rejects(eks.send(new DeleteClusterCommand({ name: 'beta' })), awsError('ResourceInUseException', 409), 'deleting a cluster still CREATING');
    const vpcRole = roles.node; // trusts ec2, not eks
    const cases: Array<[string, () => Promise<unknown>, string, number]> = [
      ['cluster role that does not exist', () => eks.send(new CreateClusterCommand(clusterInput('x1', { roleArn: 'arn:aws:iam::123456789012:role/nope' }))), 'InvalidParameterException', 400],
      ['cluster role EKS may not assume', () => eks.send(new CreateClusterCommand(clusterInput('x2', { roleArn: vpcRole }))), 'InvalidParameterException', 400],
      ['subnets in one AZ', () => eks.send(new CreateClusterCommand(clusterInput('x3', { resourcesVpcConfig: { subnetIds: [net.subnets[0]!] } }))), 'InvalidParameterException', 400],
      ['a subnet that does not exist', () => eks.send(new CreateClusterCommand(clusterInput('x4', { resourcesVpcConfig: { subnetIds: [net.subnets[0]!, 'subnet-0000000000000000f'] } }))), 'InvalidParameterException', 400],
      ['service CIDR smaller than /24', () => eks.send(new CreateClusterCommand(clusterInput('x5', { kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/25' } }))), 'InvalidParameterException', 400],
      ['service CIDR outside RFC 1918', () => eks.send(new CreateClusterCommand(clusterInput('x6', { kubernetesNetworkConfig: { serviceIpv4Cidr: '100.64.0.0/16' } }))), 'InvalidParameterException', 400],
      ['service CIDR overlapping the VPC', () => eks.send(new CreateClusterCommand(clusterInput('x7', { kubernetesNetworkConfig: { serviceIpv4Cidr: '10.20.0.0/16' } }))), 'InvalidParameterException', 400],
      ['unsupported Kubernetes version', () => eks.send(new CreateClusterCommand(clusterInput('x8', { version: '1.24' }))), 'InvalidParameterException', 400],
      ['CONFIG_MAP without the creator as admin', () => eks.send(new CreateClusterCommand(clusterInput('x9', { accessConfig: { authenticationMode: 'CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: false } }))), 'InvalidParameterException', 400],
      ['a cluster name already taken', () => eks.send(new CreateClusterCommand(clusterInput('alpha'))), 'ResourceInUseException', 409],
      ['describing a cluster that does not exist', () => describeCluster('nope'), 'ResourceNotFoundException', 404],
      ['a node group on a cluster that does not exist', () => eks.send(new CreateNodegroupCommand(nodegroupInput('nope', 'ng'))), 'ResourceNotFoundException', 404],
      ['the cluster role as node role', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { nodeRole: roles.cluster }))), 'InvalidParameterException', 400],
      ['a node role that does not exist', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { nodeRole: 'arn:aws:iam::123456789012:role/nope' }))), 'InvalidParameterException', 400],
      ['a node subnet outside the cluster VPC', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { subnets: [net.otherVpcSubnet] }))), 'InvalidParameterException', 400],
      ['minSize above desiredSize', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { scalingConfig: { minSize: 3, desiredSize: 2, maxSize: 3 } }))), 'InvalidParameterException', 400],
      ['desiredSize above maxSize', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { scalingConfig: { minSize: 1, desiredSize: 4, maxSize: 3 } }))), 'InvalidParameterException', 400],
      ['maxSize 0', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 0 } }))), 'InvalidParameterException', 400],
      ['no instance types', () => eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'ng', { instanceTypes: [] }))), 'InvalidParameterException', 400],
    ];
    for (const [what, call, code, status] of cases) {
      await assert.rejects(call(), awsError(code, status), what);
    }
    const beta = await describeCluster('beta');
    assert.equal(beta.accessConfig?.authenticationMode, 'CONFIG_MAP', 'the API default');
  });

  test('DeleteCluster is refused while a node group exists and works after the node group is gone, leaving the pool without the cluster', async () => {
    await activeCluster('gamma');
    const created = (await eks.send(new CreateNodegroupCommand(nodegroupInput('gamma', 'workers')))).nodegroup!;
    assert.equal(created.status, 'CREATING');
    await until('node group ACTIVE', async () => (await eks.send(new DescribeNodegroupCommand({ clusterName: 'gamma', nodegroupName: 'workers' }))).nodegroup!.status,
      (s) => s === 'ACTIVE');
    await assert.rejects(eks.send(new DeleteClusterCommand({ name: 'gamma' })), (error: any) => {
      awsError('ResourceInUseException', 409)(error);
      assert.match(error.message, /nodegroups attached/);
      return true;
    });
    const deleting = (await eks.send(new DeleteNodegroupCommand({ clusterName: 'gamma', nodegroupName: 'workers' }))).nodegroup!;
    assert.equal(deleting.status, 'DELETING');
    await assert.rejects(eks.send(new DeleteClusterCommand({ name: 'gamma' })), awsError('ResourceInUseException', 409), 'a DELETING node group is still attached');
    await until('node group gone', () => eks.send(new DescribeNodegroupCommand({ clusterName: 'gamma', nodegroupName: 'workers' })).then(() => 'present', (e) => e.name),
      (s) => s === 'ResourceNotFoundException');
    assert.equal((await eks.send(new DeleteClusterCommand({ name: 'gamma' }))).cluster!.status, 'DELETING');
    assert.equal((await describeCluster('gamma')).status, 'DELETING');
    assert.equal((await sim(poolUrl, `/clusters/eks-${REGION}-gamma`)).state, 'ready', 'the control plane stays while DELETING');
    await until('cluster gone', () => describeCluster('gamma').then(() => 'present', (e) => e.name), (s) => s === 'ResourceNotFoundException');
    assert.equal((await fetch(`${poolUrl}/clusters/eks-${REGION}-gamma`)).status, 404, 'the pool no longer has the cluster');
  });

  test('access entries round trip; an assumed-role principal and a CONFIG_MAP cluster are refused', async () => {
    await sharedCluster();
    // The creator's entry, made by EKS because bootstrapClusterCreatorAdminPermissions defaults to true.
    const creator = (await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'alpha', principalArn: CALLER }))).associatedAccessPolicies!;
    assert.deepEqual(creator.map((p) => [p.policyArn, p.accessScope?.type]), [[ADMIN, 'cluster']]);

    const principalArn = roles.user;
    const created = (await eks.send(new CreateAccessEntryCommand({
      clusterName: 'alpha', principalArn, kubernetesGroups: ['mesh-readers'], tags: { owner: 'test' },
    }))).accessEntry!;
    assert.equal(created.principalArn, principalArn);
    assert.equal(created.type, 'STANDARD');
    assert.equal(created.username, 'arn:aws:sts::123456789012:assumed-role/mesh-operator/{{SessionName}}');
    assert.match(created.accessEntryArn!, /^arn:aws:eks:us-east-1:123456789012:access-entry\/alpha\/role\/123456789012\/mesh-operator\/[0-9a-f-]{36}$/);
    assert.deepEqual((await eks.send(new DescribeAccessEntryCommand({ clusterName: 'alpha', principalArn }))).accessEntry, created);
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'alpha' }))).accessEntries!.sort(), [principalArn, CALLER].sort());
    await assert.rejects(eks.send(new CreateAccessEntryCommand({ clusterName: 'alpha', principalArn })), awsError('ResourceInUseException', 409));

    const associated = await eks.send(new AssociateAccessPolicyCommand({
      clusterName: 'alpha', principalArn, policyArn: VIEW, accessScope: { type: 'namespace', namespaces: ['mesh'] },
    }));
    assert.deepEqual(associated.associatedAccessPolicy?.accessScope, { type: 'namespace', namespaces: ['mesh'] });
    const listed = (await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'alpha', principalArn })));
    assert.equal(listed.principalArn, principalArn);
    assert.deepEqual(listed.associatedAccessPolicies!.map((p) => [p.policyArn, p.accessScope]), [[VIEW, { type: 'namespace', namespaces: ['mesh'] }]]);
    assert.deepEqual((await eks.send(new ListAccessEntriesCommand({ clusterName: 'alpha', associatedPolicyArn: VIEW }))).accessEntries, [principalArn]);
    await assert.rejects(eks.send(new AssociateAccessPolicyCommand({ clusterName: 'alpha', principalArn, policyArn: VIEW, accessScope: { type: 'namespace' } })),
      awsError('InvalidParameterException', 400), 'a namespace scope needs namespaces');
    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'alpha', principalArn, policyArn: VIEW }));
    assert.deepEqual((await eks.send(new ListAssociatedAccessPoliciesCommand({ clusterName: 'alpha', principalArn }))).associatedAccessPolicies, []);
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'alpha', principalArn }));
    await assert.rejects(eks.send(new DescribeAccessEntryCommand({ clusterName: 'alpha', principalArn })), awsError('ResourceNotFoundException', 404));

    await assert.rejects(eks.send(new CreateAccessEntryCommand({ clusterName: 'alpha', principalArn: 'arn:aws:sts::123456789012:assumed-role/mesh-operator/session-1' })),
      awsError('InvalidParameterException', 400), 'an STS session is not a principal');
    await assert.rejects(eks.send(new CreateAccessEntryCommand({ clusterName: 'alpha', principalArn: 'arn:aws:iam::123456789012:role/never-created' })),
      awsError('InvalidParameterException', 400), 'the principal must exist');

    await configMapCluster();
    await assert.rejects(eks.send(new CreateAccessEntryCommand({ clusterName: 'beta', principalArn: roles.node })), (error: any) => {
      awsError('InvalidRequestException', 400)(error);
      assert.match(error.message, /authentication mode must be set to one of \[API, API_AND_CONFIG_MAP\]/);
      return true;
    });
    await assert.rejects(eks.send(new DescribeAccessEntryCommand({ clusterName: 'beta', principalArn: CALLER })), awsError('InvalidRequestException', 400));
  });

  test('the API server admits the creator\'s EKS token through its access entry and admin policy, and no longer once they are gone', async () => {
    const { cluster } = await sharedCluster();
    assert.equal(await listNamespacesAs(cluster, 1), 200, 'the creator is cluster admin');
    await eks.send(new DisassociateAccessPolicyCommand({ clusterName: 'alpha', principalArn: CALLER, policyArn: ADMIN }));
    assert.equal(await listNamespacesAs(cluster, 2), 403, 'authenticated, but no longer admin');
    await eks.send(new DeleteAccessEntryCommand({ clusterName: 'alpha', principalArn: CALLER }));
    assert.equal(await listNamespacesAs(cluster, 3), 401, 'no access entry, no authentication');
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'alpha', principalArn: CALLER }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'alpha', principalArn: CALLER, policyArn: ADMIN, accessScope: { type: 'cluster' } }));
    assert.equal(await listNamespacesAs(cluster, 4), 200, 'admin again');
  });

  test('a token from the real AWS CLI (aws eks get-token) is admitted like the product\'s, and refused when it names another cluster', async () => {
    const { cluster } = await sharedCluster();
    const ca = Buffer.from(cluster.certificateAuthority!.data!, 'base64').toString('utf8');
    const env = {
      PATH: process.env.PATH ?? '', HOME: poolDir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_ENDPOINT_URL_STS: moto.url,
    };
    const cliToken = async (clusterName: string): Promise<string> => {
      const { stdout } = await promisify(execFile)(AWS_CLI, ['eks', 'get-token', '--cluster-name', clusterName, '--region', REGION, '--output', 'json'], { env });
      return JSON.parse(stdout).status.token;
    };
    const token = await cliToken('alpha');
    assert.match(token, /^k8s-aws-v1\./);
    assert.equal(await probe(cluster.endpoint!, ca, '/api/v1/namespaces', token), 200, 'the AWS CLI\'s token for alpha');
    assert.equal(await probe(cluster.endpoint!, ca, '/api/v1/namespaces', await cliToken('beta')), 401, 'a token the AWS CLI signed for beta');
  });

  test('a fault on eks.CreateNodegroup fires and is counted, as are EKS and IAM calls by operation', async () => {
    await sharedCluster();
    await sim(moto.url, '/_sim/calls', { method: 'DELETE' });
    await sim(moto.url, '/_sim/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'eks.CreateNodegroup', kind: 'error', match: 'faulted-workers', status: 429, code: 'ThrottlingException', message: 'injected' }),
    });
    await assert.rejects(eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'faulted-workers'))), (error: any) => {
      awsError('ThrottlingException', 429)(error);
      assert.equal(error.message, 'injected');
      return true;
    });
    await assert.rejects(eks.send(new DescribeNodegroupCommand({ clusterName: 'alpha', nodegroupName: 'faulted-workers' })),
      awsError('ResourceNotFoundException', 404), 'the faulted call had no effect');
    assert.equal((await eks.send(new CreateNodegroupCommand(nodegroupInput('alpha', 'faulted-workers')))).nodegroup!.status, 'CREATING', 'count 1: the retry passes');
    await createRole('counted-role', 'ec2.amazonaws.com');
    const { faults: rules } = await sim(moto.url, '/_sim/faults');
    assert.deepEqual(rules.map((r: any) => [r.operation, r.fired]), [['eks.CreateNodegroup', 1]]);
    assert.deepEqual(await sim(moto.url, '/_sim/calls'), { 'eks.CreateNodegroup': 2, 'eks.DescribeNodegroup': 1, 'iam.CreateRole': 1 });
    await sim(moto.url, '/_sim/faults', { method: 'DELETE' });
  });
});

describe('AWS emulator: EKS without a kube pool', () => {
  let bare: MotoHandle;
  before(async () => {
    bare = await startMoto({ timeScale: TIME_SCALE, consistency: { iamPropagationSeconds: 0 } });
  });
  after(async () => {
    await bare?.stop();
  });

  test('a cluster FAILS with the reason instead of inventing an endpoint', async () => {
    const e = client(EKSClient, bare.url);
    const i = client(IAMClient, bare.url);
    const ec2 = client(EC2Client, bare.url);
    try {
      const roleArn = (await i.send(new CreateRoleCommand({ RoleName: 'c', AssumeRolePolicyDocument: trust('eks.amazonaws.com') }))).Role!.Arn!;
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '192.168.0.0/16' }))).Vpc!;
      const subnetIds: string[] = [];
      for (const [cidr, zone] of [['192.168.1.0/24', 'a'], ['192.168.2.0/24', 'b']] as const) {
        subnetIds.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: cidr, AvailabilityZone: `${REGION}${zone}` }))).Subnet!.SubnetId!);
      }
      await e.send(new CreateClusterCommand({ name: 'lonely', roleArn, resourcesVpcConfig: { subnetIds } }));
      const cluster = (await e.send(new DescribeClusterCommand({ name: 'lonely' }))).cluster!;
      assert.equal(cluster.status, 'FAILED');
      assert.equal(cluster.endpoint, undefined);
      assert.match(cluster.health!.issues![0]!.message!, /CELLBRIDGE_SIM_KUBE_URL/);
      assert.equal(cluster.kubernetesNetworkConfig?.serviceIpv4Cidr, '10.100.0.0/16', 'EKS picks 10.100.0.0/16 outside 10.x VPCs');
    } finally {
      e.destroy();
      i.destroy();
      ec2.destroy();
    }
  });
});
