/**
 * A subnet still holding a load balancer's network interface cannot be deleted: the
 * teardown must keep trying (AWS releases the interfaces shortly after the Service goes)
 * and, while it cannot, say what holds the subnet. The subnet handler with the real EC2
 * SDK against the extended Moto; the interface is made through the EC2 API as a load
 * balancer's would be.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateNetworkInterfaceCommand, CreateSubnetCommand, CreateVpcCommand, DeleteNetworkInterfaceCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import { subnetHandler } from '../../activities/aws/vpc.ts';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };
let moto: MotoHandle;

before(async () => {
  moto = await startMoto({ timeScale: 600 });
  // The product's clients take credentials from the environment, as the worker does.
  process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
});
after(() => moto?.stop());

test('deleting a subnet that a load balancer\'s interface holds fails retryably, naming the interface and its description; once the interface is gone the delete succeeds', async () => {
  const ec2 = new EC2Client({ endpoint: moto.url, region: REGION, credentials });
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }))).Vpc!;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: '10.60.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet!;
  const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId!, Description: 'ELB net/k8s-istiosys-istioeas-0123456789' }))).NetworkInterface!;
  const handler = subnetHandler(createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: 10_000 }, azure: { credential: { getToken: async () => null } } }));
  const node = { id: 'aws/subnet/a', kind: 'aws.subnet', params: { scope: { aws: { region: REGION } } } } as unknown as Parameters<typeof handler.delete>[1];

  await assert.rejects(handler.delete(subnet, node, new AbortController().signal), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure, String(error));
    assert.equal(error.nonRetryable, false, 'AWS releases a deleted load balancer\'s interfaces on its own: keep trying');
    assert.equal(error.type, 'aws.DependencyViolation');
    assert.ok(error.message.includes(`${eni.NetworkInterfaceId} ("ELB net/k8s-istiosys-istioeas-0123456789")`), error.message);
    assert.ok(error.message.includes(subnet.SubnetId!), error.message);
    return true;
  });

  await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId! }));
  await handler.delete(subnet, node, new AbortController().signal);
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [subnet.SubnetId!] }] }));
  assert.deepEqual(Subnets, []);
  ec2.destroy();
});
