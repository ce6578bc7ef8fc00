// AWS creates that answer what they made (an IAM role with its policies, a VPC route, a
// stored root CA; a Transit Gateway, its VPC attachment and a VPN connection, still pending):
// the engine takes that answer for its confirming describe (or its first poll), so a create
// costs its lookup and its writes. Each against Moto, through the engine as the worker runs
// it, with the same output a describe gives and Moto's call counts; a create that finds the
// resource already made (an earlier attempt's) still reads what it did not make.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateRoleCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateVpcCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { MockActivityEnvironment } from '@temporalio/testing';
import { iamRoleHandler } from '../../activities/aws/iam-role.ts';
import { MESH_TAG, NODE_TAG } from '../../activities/aws/tags.ts';
import { rootCaHandler } from '../../activities/aws/root-ca-secret.ts';
import { transitGatewayAttachmentHandler, transitGatewayHandler } from '../../activities/aws/transit-gateway.ts';
import { customerGatewayHandler, vpnConnectionHandler } from '../../activities/aws/vpn.ts';
import { vpcRouteHandler } from '../../activities/aws/vpc-route.ts';
import { subnetHandler, vpcHandler } from '../../activities/aws/vpc.ts';
import { createCloudClients, type CloudClients } from '../../activities/cloud-clients.ts';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import { backboneGraph, ID, type BackboneParams, type MeshScope } from '../../domain/backbone-graph.ts';
import { EKS_NODE_POLICIES, type ClusterParams } from '../../domain/cluster-graph.ts';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { rootSecretName } from '../../domain/pki-profile.ts';
import type { Outputs, ResourceNode, ResourceOutput } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import { exampleSpec } from '../support/stack.ts';

const REGION = 'us-east-1';
const scope: MeshScope = { mesh: 'answers', aws: { region: REGION }, azure: { subscriptionId: 'sub', resourceGroup: 'rg', location: 'westeurope' } };
const engine = new ResourceEngine({ initialMs: 20, maxMs: 200, factor: 1.5 });
const run = <T>(fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment().run(fn) as Promise<T>;

let moto: MotoHandle;
let clients: CloudClients;

before(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'x';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'x';
  moto = await startMoto({ timeScale: 1000, consistency: { iamPropagationSeconds: 0, ec2VisibilitySeconds: 0 }, logFile: '.stack/create-answers-test.log' });
  clients = createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: 10_000 }, azure: { credential: { getToken: async () => null } } });
});
beforeEach(() => fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()));
after(() => moto?.stop());

const resetCalls = () => fetch(`${moto.url}/_sim/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer());
const calls = async () => (await (await fetch(`${moto.url}/_sim/calls`)).json()) as Record<string, number>;

/** ensure, then the output a describe alone gives of what it left. */
async function ensured<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, outputs: Outputs = {}): Promise<{ output: ResourceOutput; described: ResourceOutput }> {
  const output = await run(() => engine.ensure(handler, node, outputs));
  const observed = await handler.describe(node);
  assert.ok(observed, `${node.id} is there`);
  return { output, described: handler.output(observed) };
}

describe('creates that answer what they made', () => {
  const roleNode: ResourceNode<'aws.iamRole', ClusterParams['aws.iamRole']> = {
    id: 'aws/iam-role/east/node', kind: 'aws.iamRole', dependsOn: [],
    params: { scope, name: 'answers-east-node', trustedService: 'ec2.amazonaws.com', managedPolicyArns: EKS_NODE_POLICIES },
  };

  test('an IAM role made by the create is not read again: one GetRole (the lookup), no policy listing; the output is what a describe gives', async () => {
    await resetCalls();
    const { output, described } = await ensured(iamRoleHandler(clients), roleNode);
    const counted = await calls();
    assert.deepEqual(output, described);
    assert.deepEqual([counted['iam.GetRole'], counted['iam.ListAttachedRolePolicies'], counted['iam.CreateRole'], counted['iam.AttachRolePolicy']], [2, 1, 1, EKS_NODE_POLICIES.length],
      'the lookup, then the test\'s own describe (GetRole and its listing)');
    const { AttachedPolicies = [] } = await clients.iam().send(new ListAttachedRolePoliciesCommand({ RoleName: roleNode.params.name }));
    assert.deepEqual(AttachedPolicies.map((p) => p.PolicyArn).sort(), [...EKS_NODE_POLICIES].sort());
  });

  test('a role an earlier attempt made (without its policies) is found by CreateRole, its policies listed and attached, and the result read back', async () => {
    await clients.iam().send(new CreateRoleCommand({
      RoleName: roleNode.params.name,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: ['sts:AssumeRole'] }] }),
      Tags: [{ Key: MESH_TAG, Value: scope.mesh }, { Key: NODE_TAG, Value: roleNode.id }],
    }));
    const handler = iamRoleHandler(clients);
    await resetCalls();
    // The create alone, as an attempt after a lost CreateRole answer runs it: the engine's lookup found the role drifted.
    assert.equal(await handler.create(roleNode, {}, new AbortController().signal), undefined, 'it answers nothing it did not make');
    const counted = await calls();
    assert.deepEqual([counted['iam.CreateRole'], counted['iam.ListAttachedRolePolicies'], counted['iam.AttachRolePolicy']], [1, 1, EKS_NODE_POLICIES.length]);
    const observed = await handler.describe(roleNode);
    assert.deepEqual(handler.phase(observed!, roleNode), { is: 'ready' });
  });

  test('a VPC route made by the create is not read again: the lookup\'s describes once; the output is what a describe gives', async () => {
    const tgwNode: ResourceNode<'aws.transitGateway', BackboneParams['aws.transitGateway']> = {
      id: 'aws/transit-gateway', kind: 'aws.transitGateway', dependsOn: [], params: { scope, name: 'answers-tgw', amazonSideAsn: 64512 },
    };
    const tgw = await run(() => engine.ensure(transitGatewayHandler(clients), tgwNode, {}));
    const vpcId = (await clients.ec2(REGION).send(new CreateVpcCommand({ CidrBlock: '10.80.0.0/16' }))).Vpc!.VpcId!;
    const routeNode: ResourceNode<'aws.vpcRoute', BackboneParams['aws.vpcRoute']> = {
      id: 'aws/route-to-azure', kind: 'aws.vpcRoute', dependsOn: [tgwNode.id],
      params: { scope, destinationCidr: '10.90.0.0/16', vpc: { vpcId, subnetIds: [] }, transitGatewayNode: tgwNode.id },
    };
    await resetCalls();
    const { output, described } = await ensured(vpcRouteHandler(clients), routeNode, { [tgwNode.id]: tgw });
    const counted = await calls();
    assert.deepEqual(output, described);
    // Lookup (tables, gateway), create (tables, route), then the test's own describe (tables, gateway).
    assert.deepEqual([counted['ec2.DescribeRouteTables'], counted['ec2.DescribeTransitGateways'], counted['ec2.CreateRoute']], [3, 2, 1]);
    const { RouteTables = [] } = await clients.ec2(REGION).send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    assert.equal(RouteTables[0]?.Routes?.find((r) => r.DestinationCidrBlock === '10.90.0.0/16')?.TransitGatewayId, tgw.cloudId);
  });

  test('a root CA stored by the create is not read back: one GetSecretValue (the lookup); the output is what a describe gives', async () => {
    const rootNode: ResourceNode<'pki.rootCa', IstioParams['pki.rootCa']> = {
      id: 'pki/root-ca', kind: 'pki.rootCa', dependsOn: [],
      params: { scope, mesh: scope.mesh, secretName: rootSecretName(scope.mesh), userSupplied: false, keyType: 'ECDSA_P256', validityDays: 3650 },
    };
    await resetCalls();
    const { output, described } = await ensured(rootCaHandler(clients), rootNode);
    const counted = await calls();
    assert.deepEqual(output, described);
    assert.deepEqual([counted['secretsmanager.GetSecretValue'], counted['secretsmanager.CreateSecret']], [2, 1], 'the lookup, then the test\'s own describe');
  });

  test('a Transit Gateway, its VPC attachment and a VPN connection are answered by their creates as EC2 made them, pending: the ID a describe then finds, no describe in between', async () => {
    const result = validateSpec(exampleSpec('minimal', { name: scope.mesh }));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const nodes = new Map(backboneGraph(result.spec, scope).nodes.map((n) => [n.id, n as ResourceNode<string, never>]));
    const outputs: Outputs = { [ID.publicIp(0)]: { cloudId: 'pip-0', state: 'Succeeded', attributes: { ipAddress: '203.0.113.10' } } };
    const ensure = async <O>(handler: ResourceHandler<never, O>, id: string) => (outputs[id] = await run(() => engine.ensure(handler, nodes.get(id)!, outputs)));
    await ensure(vpcHandler(clients), ID.vpc);
    for (const n of nodes.values()) if (n.kind === 'aws.subnet') await ensure(subnetHandler(clients), n.id);
    await ensure(customerGatewayHandler(clients), ID.customerGateway(0));
    const made = async <O>(handler: ResourceHandler<never, O>, id: string) => {
      const node = nodes.get(id)!;
      await resetCalls();
      const answer = await handler.create(node, outputs, new AbortController().signal);
      const counted = await calls();
      assert.ok(answer, `${id}: the create answers what it made`);
      assert.equal(handler.phase(answer, node).is, 'busy', `${id}: still pending`);
      assert.deepEqual(Object.keys(counted).filter((op) => op.startsWith('ec2.Describe')), [], `${id}: no describe inside the create`);
      await ensure(handler, id);
      assert.equal(handler.output(answer).cloudId, outputs[id]!.cloudId, `${id}: the one a describe finds`);
    };
    await made(transitGatewayHandler(clients), ID.transitGateway);
    await made(transitGatewayAttachmentHandler(clients), ID.attachment);
    await made(vpnConnectionHandler(clients), ID.vpnConnection(0));
  });

  test('a VPC and a subnet made by their creates are not read again: one describe each (the lookup); the output is what a describe gives', async () => {
    const result = validateSpec(exampleSpec('minimal', { name: scope.mesh }));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const nodes = new Map(backboneGraph(result.spec, scope).nodes.map((n) => [n.id, n as ResourceNode<string, never>]));
    await resetCalls();
    const vpc = await ensured(vpcHandler(clients) as ResourceHandler<never, unknown>, nodes.get(ID.vpc)!);
    const subnet = await ensured(subnetHandler(clients) as ResourceHandler<never, unknown>, nodes.get(ID.subnet(0))!, { [ID.vpc]: vpc.output });
    const counted = await calls();
    assert.deepEqual([vpc.output, subnet.output], [vpc.described, subnet.described]);
    assert.deepEqual([counted['ec2.DescribeVpcs'], counted['ec2.DescribeSubnets']], [2, 2], 'the lookup, then the test\'s own describe');
  });
});
