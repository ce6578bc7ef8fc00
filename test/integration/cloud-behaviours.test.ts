/**
 * What real clouds do that a naive client does not survive, played by the emulators
 * (sim/README.md "Real-cloud behaviours") against the product's own clients and
 * handlers, without a whole mesh: each case is judged by what the emulator then holds
 * and how long the call took.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateVpcCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import type { ApplicationFailure } from '@temporalio/common';
import { createCloudClients, type CloudClients } from '../../activities/cloud-clients.ts';
import { toFailure } from '../../activities/cloud-errors.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';

const REQUEST_TIMEOUT_MS = 1_000;

describe('AWS behaviours survived by the product (extended Moto)', () => {
  let moto: MotoHandle;
  let clients: CloudClients;
  const fault = (rule: object) => fetch(`${moto.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(rule) }).then(async (r) => assert.equal(r.status, 201, await r.text()));

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'x';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'x';
    moto = await startMoto({ timeScale: 1000 });
    clients = createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: REQUEST_TIMEOUT_MS }, azure: { credential: { getToken: async () => null } } });
  });
  beforeEach(() => fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()));
  after(() => moto?.stop());

  test('CELLBRIDGE_AWS_REQUEST_TIMEOUT_MS is enforced: a call Moto holds for 8 s fails after the 1 s timeout and the SDK retry answers', async () => {
    await fault({ operation: 'ec2.DescribeSubnets', kind: 'timeout', seconds: 8 });
    const t0 = Date.now();
    await clients.ec2('us-east-1').send(new DescribeSubnetsCommand({}));
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 4_000, `answered after ${elapsed} ms: the held request was not cut at ${REQUEST_TIMEOUT_MS} ms`);
    const calls = (await (await fetch(`${moto.url}/_sim/calls`)).json()) as Record<string, number>;
    assert.equal(calls['ec2.DescribeSubnets'], 2, 'the timed-out call was retried once');
  });

  test('a CreateVpc Moto applies and then holds for 8 s fails after the 1 s timeout as a retryable CreateNotResent, with one VPC', async () => {
    await fault({ operation: 'ec2.CreateVpc', kind: 'applied-timeout', seconds: 8 });
    const t0 = Date.now();
    await assert.rejects(clients.ec2('us-east-1').send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' })), (error: unknown) => {
      assert.equal((error as Error).name, 'CreateNotResent', String(error));
      assert.equal((toFailure(error, 'create aws/vpc') as ApplicationFailure).nonRetryable, false);
      return true;
    });
    assert.ok(Date.now() - t0 < 4_000, `failed after ${Date.now() - t0} ms`);
    const vpcs = await clients.ec2('us-east-1').send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.60.0.0/16'] }] }));
    assert.equal(vpcs.Vpcs?.length, 1);
  });
});
