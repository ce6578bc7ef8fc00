// The eventual consistency the AWS emulator plays (sim/aws/consistency.py), judged with the
// real SDKs only: a role just created is refused by EKS, and a VPC, Transit Gateway or VPN
// connection just created is missing from filtered listings, each for its scaled delay.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  CreateCustomerGatewayCommand, CreateSubnetCommand, CreateTransitGatewayCommand, CreateVpcCommand, CreateVpnConnectionCommand,
  DescribeTransitGatewaysCommand, DescribeVpcsCommand, DescribeVpnConnectionsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';

const TIME_SCALE = 1000;
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDSIM', secretAccessKey: 'sim' };
const byTag = (key: string) => ({ Filters: [{ Name: 'tag:probe', Values: [key] }] });
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe('AWS emulator: eventual consistency (extended Moto, real SDKs)', () => {
  let moto: MotoHandle;
  let ec2: EC2Client;
  const settings = async (body: object, status = 200) => {
    const res = await fetch(`${moto.url}/_sim/consistency`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, status, await res.text());
  };

  before(async () => {
    moto = await startMoto({ timeScale: TIME_SCALE });
    ec2 = new EC2Client({ endpoint: moto.url, region: REGION, credentials, maxAttempts: 1 });
  });
  beforeEach(() => fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()));
  after(() => moto?.stop());

  test('EKS answers InvalidParameterException naming a role IAM has not propagated yet, and accepts the same request once it has', async () => {
    await settings({ iamPropagationSeconds: 1.5 * TIME_SCALE });
    const iam = new IAMClient({ endpoint: moto.url, region: REGION, credentials, maxAttempts: 1 });
    const eks = new EKSClient({ endpoint: moto.url, region: REGION, credentials, maxAttempts: 1 });
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.80.0.0/16' }))).Vpc!.VpcId!;
    const subnetIds = await Promise.all(['a', 'b'].map(async (zone, i) =>
      (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.80.${i}.0/24`, AvailabilityZone: `${REGION}${zone}` }))).Subnet!.SubnetId!));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'fresh', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    const create = () => eks.send(new CreateClusterCommand({ name: 'fresh', roleArn, resourcesVpcConfig: { subnetIds }, accessConfig: { authenticationMode: 'API' } }));
    await assert.rejects(create(), (e: any) => {
      assert.equal(e.name, 'InvalidParameterException');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, new RegExp(`${roleArn}.*could not be assumed`));
      return true;
    });
    await sleep(1_600);
    assert.equal((await create()).cluster?.roleArn, roleArn, 'accepted');
  });

  test('a new VPC, Transit Gateway and VPN connection are missing from tag-filtered listings for the visibility delay; listed by ID at once', async () => {
    await settings({ ec2VisibilitySeconds: 0 });
    const cgw = (await ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', BgpAsn: 65010, PublicIp: '203.0.113.9' }))).CustomerGateway!.CustomerGatewayId!;
    const oldTgw = (await ec2.send(new CreateTransitGatewayCommand({}))).TransitGateway!.TransitGatewayId!;
    await settings({ ec2VisibilitySeconds: 1.5 * TIME_SCALE });
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.81.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'probe', Value: 'v' }] }] }))).Vpc!.VpcId!;
    const tgw = (await ec2.send(new CreateTransitGatewayCommand({ TagSpecifications: [{ ResourceType: 'transit-gateway', Tags: [{ Key: 'probe', Value: 't' }] }] }))).TransitGateway!.TransitGatewayId!;
    for (let i = 0; i < 100 && (await ec2.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [oldTgw] }))).TransitGateways?.[0]?.State !== 'available'; i++) await sleep(50);
    const vpn = (await ec2.send(new CreateVpnConnectionCommand({
      Type: 'ipsec.1', CustomerGatewayId: cgw, TransitGatewayId: oldTgw, TagSpecifications: [{ ResourceType: 'vpn-connection', Tags: [{ Key: 'probe', Value: 'c' }] }],
    }))).VpnConnection!.VpnConnectionId!;
    const listed = async () => ({
      vpc: (await ec2.send(new DescribeVpcsCommand(byTag('v')))).Vpcs?.length,
      tgw: (await ec2.send(new DescribeTransitGatewaysCommand(byTag('t')))).TransitGateways?.length,
      vpn: (await ec2.send(new DescribeVpnConnectionsCommand(byTag('c')))).VpnConnections?.length,
    });
    assert.deepEqual(await listed(), { vpc: 0, tgw: 0, vpn: 0 }, 'just created: not listed yet');
    assert.equal((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc] }))).Vpcs?.length, 1, 'a describe by ID finds the VPC');
    assert.equal((await ec2.send(new DescribeTransitGatewaysCommand({ TransitGatewayIds: [tgw] }))).TransitGateways?.length, 1);
    assert.equal((await ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [vpn] }))).VpnConnections?.length, 1);
    await sleep(1_600);
    assert.deepEqual(await listed(), { vpc: 1, tgw: 1, vpn: 1 }, 'listed once the delay has passed');
  });

  test('/_sim/consistency refuses unknown settings and negative delays; /_sim/reset restores the defaults', async () => {
    await settings({ nope: 1 }, 400);
    await settings({ ec2VisibilitySeconds: -1 }, 400);
    await settings({ ec2VisibilitySeconds: 7 });
    await fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer());
    assert.deepEqual(await (await fetch(`${moto.url}/_sim/consistency`)).json(), { iamPropagationSeconds: 10, ec2VisibilitySeconds: 3 });
  });
});
