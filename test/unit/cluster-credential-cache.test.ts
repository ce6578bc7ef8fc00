/**
 * Cluster credentials remembered in the worker: one fetch per cluster for a bounded time,
 * shared by activities that start together; a cluster that is not there and a failed fetch
 * are not remembered; an auth or TLS failure on a first attempt forgets them and is retried.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CredentialCache } from '../../activities/kube/credential-cache.ts';
import { mayBeStaleCredentials, refreshingCredentials } from '../../activities/kube/credential-refresh.ts';

function counting<T>(answer: () => Promise<T>) {
  let calls = 0;
  return { fetch: () => (calls++, answer()), calls: () => calls };
}

test('one fetch per cluster while fresh, shared by concurrent readers; another cluster is its own fetch; after 10 minutes, a new one', async () => {
  let now = 0;
  const cache = new CredentialCache<string>(() => now);
  const source = counting(async () => 'fields');
  const read = await Promise.all([cache.get('a', source.fetch), cache.get('a', source.fetch), cache.get('a', source.fetch)]);
  assert.deepEqual(read, ['fields', 'fields', 'fields']);
  assert.equal(source.calls(), 1);
  await cache.get('b', source.fetch);
  assert.equal(source.calls(), 2);
  now = 9 * 60_000;
  await cache.get('a', source.fetch);
  assert.equal(source.calls(), 2);
  now = 10 * 60_000;
  await cache.get('a', source.fetch);
  assert.equal(source.calls(), 3);
});

test('a cluster that is not there, and a fetch that failed, are asked again next time', async () => {
  const cache = new CredentialCache<string>();
  const absent = counting(async () => undefined);
  await cache.get('a', absent.fetch);
  await cache.get('a', absent.fetch);
  assert.equal(absent.calls(), 2);
  const failing = counting(async () => Promise.reject(new Error('throttled')));
  await assert.rejects(cache.get('b', failing.fetch));
  await assert.rejects(cache.get('b', failing.fetch));
  assert.equal(failing.calls(), 2);
});

test('forget drops every remembered cluster', async () => {
  const cache = new CredentialCache<string>();
  const source = counting(async () => 'fields');
  await cache.get('a', source.fetch);
  cache.forget();
  await cache.get('a', source.fetch);
  assert.equal(source.calls(), 2);
});

const failures: [string, unknown, boolean][] = [
  ['an API server 401 (client library)', Object.assign(new Error('HTTP-Code: 401'), { code: 401 }), true],
  ['its failure after the engine', ApplicationFailure.nonRetryable('create x: Unauthorized: HTTP-Code: 401', 'kube.Unauthorized'), true],
  ['helm without valid credentials', ApplicationFailure.nonRetryable('helm: Error: Kubernetes cluster unreachable: the server has asked for the client to provide credentials (Unauthorized)', 'helm.Failed'), true],
  ['a server certificate the remembered CA does not verify', ApplicationFailure.nonRetryable('describe x: UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate', 'cloud.UNABLE_TO_VERIFY_LEAF_SIGNATURE'), true],
  ['RBAC forbids (the credential is valid)', ApplicationFailure.nonRetryable('create x: Forbidden: HTTP-Code: 403', 'kube.Forbidden'), false],
  ["EC2's UnauthorizedOperation (not a cluster credential)", ApplicationFailure.nonRetryable('create x: UnauthorizedOperation: You are not authorized', 'aws.UnauthorizedOperation'), false],
  ['an invalid object', ApplicationFailure.nonRetryable('create x: Invalid: spec.foo', 'kube.Invalid'), false],
];
for (const [what, error, stale] of failures) {
  test(`mayBeStaleCredentials: ${what} → ${stale}`, () => {
    assert.equal(mayBeStaleCredentials(error), stale);
  });
}

test('an auth failure forgets the credentials and is retried on a first attempt, and fails as it was on a later one', async () => {
  let forgotten = 0;
  const unauthorized = ApplicationFailure.nonRetryable('create x: Unauthorized', 'kube.Unauthorized');
  const { act } = refreshingCredentials(() => forgotten++, { act: async () => Promise.reject(unauthorized) });
  await assert.rejects(new MockActivityEnvironment({ attempt: 1 }).run(act), (e: unknown) => e instanceof ApplicationFailure && e.type === 'kube.StaleCredentials' && !e.nonRetryable);
  await assert.rejects(new MockActivityEnvironment({ attempt: 2 }).run(act), (e: unknown) => e === unauthorized);
  assert.equal(forgotten, 2);
});

test('other failures pass through untouched and forget nothing', async () => {
  let forgotten = 0;
  const invalid = ApplicationFailure.nonRetryable('create x: Invalid', 'kube.Invalid');
  const { act } = refreshingCredentials(() => forgotten++, { act: async () => Promise.reject(invalid) });
  await assert.rejects(new MockActivityEnvironment({ attempt: 1 }).run(act), (e: unknown) => e === invalid);
  assert.equal(forgotten, 0);
});
