/**
 * An EC2 create whose answer is lost is never resent by the SDK (activities/aws/no-blind-resend.ts):
 * the cloud may have made the resource, and EC2 takes no idempotency token for these creates,
 * so a resend is a second, billed VPC. Judged by what Moto then holds.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateVpcCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { createCloudClients, type CloudClients } from '../../activities/cloud-clients.ts';
import { toFailure } from '../../activities/cloud-errors.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import type { ApplicationFailure } from '@temporalio/common';

describe('EC2 creates are not resent blindly', () => {
  let moto: MotoHandle;
  let clients: CloudClients;
  const vpcs = async (cidr: string) => ((await clients.ec2('us-east-1').send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [cidr] }] }))).Vpcs ?? []).length;
  const fault = (rule: object) => fetch(`${moto.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(rule) }).then((r) => assert.equal(r.status, 201));

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'x';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'x';
    moto = await startMoto({ timeScale: 1000, consistency: { ec2VisibilitySeconds: 0 } });
    clients = createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: 10_000 }, azure: { credential: { getToken: async () => null } } });
  });
  beforeEach(() => fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()));
  after(() => moto?.stop());

  test('a CreateVpc applied but answered 500 fails retryably as CreateNotResent and exactly one VPC exists', async () => {
    await fault({ operation: 'ec2.CreateVpc', kind: 'applied-server-error' });
    await assert.rejects(clients.ec2('us-east-1').send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' })), (error: unknown) => {
      assert.equal((error as Error).name, 'CreateNotResent', String(error));
      const failure = toFailure(error, 'create aws/vpc') as ApplicationFailure;
      assert.equal(failure.nonRetryable, false, 'the activity is retried; its next attempt looks the VPC up');
      return true;
    });
    assert.equal(await vpcs('10.50.0.0/16'), 1);
  });

  test('a CreateVpc whose connection dropped after it was applied is not resent either', async () => {
    await fault({ operation: 'ec2.CreateVpc', kind: 'applied-drop' });
    await assert.rejects(clients.ec2('us-east-1').send(new CreateVpcCommand({ CidrBlock: '10.51.0.0/16' })), { name: 'CreateNotResent' });
    assert.equal(await vpcs('10.51.0.0/16'), 1);
  });

  test('a throttled CreateVpc (refused, not performed) is resent by the SDK and succeeds with one VPC', async () => {
    await fault({ operation: 'ec2.CreateVpc', kind: 'throttle' });
    await clients.ec2('us-east-1').send(new CreateVpcCommand({ CidrBlock: '10.52.0.0/16' }));
    assert.equal(await vpcs('10.52.0.0/16'), 1);
  });

  test('reads are still retried by the SDK: a DescribeVpcs answered 500 once succeeds', async () => {
    await fault({ operation: 'ec2.DescribeVpcs', kind: 'server-error' });
    assert.equal(await vpcs('10.53.0.0/16'), 0);
  });
});
