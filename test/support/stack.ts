/** Test access to a proving-ground stack: its API, its emulators' fault controls, and what each cloud still holds. */
import { DescribeCustomerGatewaysCommand, DescribeTransitGatewaysCommand, DescribeVpcsCommand, DescribeVpnConnectionsCommand, DescribeTransitGatewayVpcAttachmentsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { IAMClient, ListRolesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { STACK_DIR } from '../../sim/setup.ts';
import { startStack, type Endpoints, type Stack } from '../../sim/stack.ts';

export const TEST_TIME_SCALE = 600;
/** For files whose waits are only simulated cloud latency (no kill or cancel timed into a long operation). */
export const FAST_TIME_SCALE = 1200;

export function useStack(name: string, options: { product?: boolean; dataPlane?: boolean; timeScale?: number } = {}): { endpoints: () => Endpoints } {
  let stack: Stack | undefined;
  before(async () => {
    stack = await startStack({ dir: join(STACK_DIR, 'test', name), timeScale: options.timeScale ?? TEST_TIME_SCALE, product: options.product ?? true, ...(options.dataPlane ? { dataPlane: true } : {}) });
  });
  after(async () => {
    await stack?.stop();
  });
  return {
    endpoints: () => {
      if (!stack) throw new Error('stack not started');
      return stack.endpoints;
    },
  };
}

export function exampleSpec(name: string, overrides: { name: string }): any {
  const spec = JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'));
  return { ...spec, ...overrides };
}

export async function api(e: Endpoints, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${e.api}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls GET /v1/meshes/{name} until the phase is one of `phases`; fails with the last status after `timeoutMs`. */
export async function waitForPhase(e: Endpoints, mesh: string, phases: string[], timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await api(e, 'GET', `/v1/meshes/${mesh}`);
    if (last.status === 200 && phases.includes(last.body.phase)) return last.body;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`mesh ${mesh} did not reach ${phases.join('/')} within ${timeoutMs} ms; last: ${JSON.stringify(last?.body)}`);
}

/** The mesh once change `changeId` ended (applied, rolled back or not) and the mesh left Changing. */
export async function waitForChangeEnd(e: Endpoints, mesh: string, changeId: string, timeoutMs = 300_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api(e, 'GET', `/v1/meshes/${mesh}`);
    if (body?.change?.changeId === changeId && ['Applied', 'RolledBack', 'RollbackIncomplete'].includes(body.change.state) && body.phase !== 'Changing') return body;
    if (Date.now() > deadline) throw new Error(`change ${changeId} did not end: ${JSON.stringify(body?.change)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export { clearFaults, cutTunnels, faultsFired, injectFault, readCalls, type FaultRule } from '../../sim/controls.ts';

/** Every resource of the mesh still alive in either emulator (AWS: not deleted; Azure: in the mesh's resource group). */
export async function meshInventory(e: Endpoints, mesh: string, region = 'us-east-1', resourceGroup = `cellbridge-${mesh}`): Promise<string[]> {
  const ec2 = new EC2Client({ region, endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [mesh] }];
  const alive = (state: string | undefined) => state !== 'deleted';
  const [vpcs, subnets, tgws, attachments, cgws, vpns] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters })).then((r) => (r.Vpcs ?? []).map((x) => `aws vpc ${x.VpcId}`)),
    ec2.send(new DescribeSubnetsCommand({ Filters })).then((r) => (r.Subnets ?? []).map((x) => `aws subnet ${x.SubnetId}`)),
    ec2.send(new DescribeTransitGatewaysCommand({ Filters })).then((r) => (r.TransitGateways ?? []).filter((x) => alive(x.State)).map((x) => `aws tgw ${x.TransitGatewayId} ${x.State}`)),
    ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters })).then((r) => (r.TransitGatewayVpcAttachments ?? []).filter((x) => alive(x.State)).map((x) => `aws attachment ${x.TransitGatewayAttachmentId} ${x.State}`)),
    ec2.send(new DescribeCustomerGatewaysCommand({ Filters })).then((r) => (r.CustomerGateways ?? []).filter((x) => alive(x.State)).map((x) => `aws cgw ${x.CustomerGatewayId} ${x.State}`)),
    ec2.send(new DescribeVpnConnectionsCommand({ Filters })).then((r) => (r.VpnConnections ?? []).filter((x) => alive(x.State)).map((x) => `aws vpn ${x.VpnConnectionId} ${x.State}`)),
  ]);
  const cloud = await Promise.all([iamRolesOf(e, mesh), eksClustersOf(e, mesh, region), rootSecretsOf(e, mesh, region)]);
  const azure = (await (await fetch(`${e.azure}/_sim/resources`)).json()) as unknown;
  const list = (Array.isArray(azure) ? azure : ((azure as { resources?: unknown[] }).resources ?? [])) as { id: string; provisioningState?: string }[];
  const group = `/resourcegroups/${resourceGroup.toLowerCase()}`;
  // The group itself or what is inside it: cellbridge-abc must not match cellbridge-abc-d.
  const azureLeft = list.filter((r) => r.id.toLowerCase().endsWith(group) || r.id.toLowerCase().includes(`${group}/`)).map((r) => `azure ${r.id} ${r.provisioningState ?? ''}`);
  return [...vpcs, ...subnets, ...tgws, ...attachments, ...cgws, ...vpns, ...cloud.flat(), ...azureLeft];
}

/** By the ownership tag's value, not by name: names of two meshes may share a prefix (abc, abc-d). */
async function iamRolesOf(e: Endpoints, mesh: string): Promise<string[]> {
  const iam = new IAMClient({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { Roles = [] } = await iam.send(new ListRolesCommand({}));
  const tagged = await Promise.all(Roles.map(async (r) => ({ name: r.RoleName, tags: (await iam.send(new ListRoleTagsCommand({ RoleName: r.RoleName }))).Tags ?? [] })));
  return tagged.filter((r) => r.tags.some((t) => t.Key === 'cellbridge:mesh' && t.Value === mesh)).map((r) => `aws iam-role ${r.name}`);
}

async function rootSecretsOf(e: Endpoints, mesh: string, region: string): Promise<string[]> {
  const secrets = new SecretsManagerClient({ region, endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { SecretList = [] } = await secrets.send(new ListSecretsCommand({}));
  return SecretList.filter((s) => s.Name?.startsWith(`cellbridge/${mesh}/`)).map((s) => `aws secret ${s.Name}`);
}

async function eksClustersOf(e: Endpoints, mesh: string, region: string): Promise<string[]> {
  const eks = new EKSClient({ region, endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { clusters = [] } = await eks.send(new ListClustersCommand({}));
  const tagged = await Promise.all(clusters.map(async (name) => ({ name, tags: (await eks.send(new DescribeClusterCommand({ name }))).cluster?.tags ?? {} })));
  return tagged.filter((c) => c.tags['cellbridge:mesh'] === mesh).map((c) => `aws eks-cluster ${c.name}`);
}

export async function awsTunnelKeys(e: Endpoints, mesh: string, region = 'us-east-1'): Promise<string[]> {
  const ec2 = new EC2Client({ region, endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const { VpnConnections = [] } = await ec2.send(new DescribeVpnConnectionsCommand({ Filters: [{ Name: 'tag:cellbridge:mesh', Values: [mesh] }] }));
  return VpnConnections.flatMap((v) => (v.Options?.TunnelOptions ?? []).map((t) => t.PreSharedKey ?? '')).filter(Boolean);
}
