/**
 * The worker's own principal for EKS access entries (activities/aws/orchestrator-principal.ts):
 * asked of STS once and remembered, shared by reads that ask together; an assumed role is named
 * by its role; a failed read is asked again. STS is a stand-in that counts its calls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { orchestratorPrincipal } from '../../activities/aws/orchestrator-principal.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';

function sts(answers: (() => Promise<{ Arn?: string }>)[]) {
  let calls = 0;
  const send = async (command: unknown) => {
    assert.ok(command instanceof GetCallerIdentityCommand);
    return answers[Math.min(calls++, answers.length - 1)]!();
  };
  return { clients: { sts: () => ({ send }) } as unknown as CloudClients, calls: () => calls };
}

test('one GetCallerIdentity answers every later read, and reads asking together; an assumed role is named by its role', async () => {
  const cloud = sts([async () => ({ Arn: 'arn:aws:sts::123456789012:assumed-role/cellbridge-worker/session-1' })]);
  const principal = orchestratorPrincipal(cloud.clients);
  const read = await Promise.all([principal('us-east-1'), principal('us-east-1')]);
  assert.equal(await principal('us-east-1'), 'arn:aws:iam::123456789012:role/cellbridge-worker');
  assert.deepEqual(read, ['arn:aws:iam::123456789012:role/cellbridge-worker', 'arn:aws:iam::123456789012:role/cellbridge-worker']);
  assert.equal(cloud.calls(), 1);
});

test('a failed read is not remembered: the next one asks STS again', async () => {
  const cloud = sts([async () => { throw new Error('ExpiredToken'); }, async () => ({ Arn: 'arn:aws:iam::123456789012:user/ops' })]);
  const principal = orchestratorPrincipal(cloud.clients);
  await assert.rejects(principal('us-east-1'), /ExpiredToken/);
  assert.equal(await principal('us-east-1'), 'arn:aws:iam::123456789012:user/ops');
  assert.equal(cloud.calls(), 2);
});
