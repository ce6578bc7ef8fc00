/**
 * Describes that come together share one listing (activities/gathered-listing.ts): those asked
 * within the window get one answer, from a listing sent after the last of them asked; one asked
 * after the listing left, or for another key, gets its own; a failed listing fails those it
 * gathered and is not kept. The listing is a stand-in that records when it was sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatheredListing } from '../../activities/gathered-listing.ts';

function listing(fail = false) {
  const log: string[] = [];
  let sent = 0;
  const gathered = new GatheredListing(
    async (key: string) => {
      log.push(`list ${key}`);
      if (fail) throw new Error('RequestLimitExceeded');
      return `${key}#${++sent}`;
    },
    (key) => key,
    30,
  );
  const ask = (who: string, key: string) => (log.push(`ask ${who}`), gathered.get(key));
  return { ask, log };
}

test('describes asked within the window get one listing, sent after the last of them asked', async () => {
  const l = listing();
  const first = l.ask('a', 'mesh');
  await sleep(10);
  const second = l.ask('b', 'mesh');
  assert.deepEqual(await Promise.all([first, second]), ['mesh#1', 'mesh#1']);
  assert.deepEqual(l.log, ['ask a', 'ask b', 'list mesh']);
});

test('a describe asked after the listing left gets a listing of its own; another key is its own listing', async () => {
  const l = listing();
  const first = l.ask('a', 'mesh');
  const other = l.ask('c', 'other');
  await sleep(40);
  const late = l.ask('b', 'mesh');
  assert.deepEqual(await Promise.all([first, other, late]), ['mesh#1', 'other#2', 'mesh#3']);
  assert.deepEqual(l.log, ['ask a', 'ask c', 'list mesh', 'list other', 'ask b', 'list mesh']);
});

test('a failed listing fails every describe it gathered, and the next describe lists again', async () => {
  const l = listing(true);
  const results = await Promise.allSettled([l.ask('a', 'mesh'), l.ask('b', 'mesh')]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  await assert.rejects(l.ask('c', 'mesh'), /RequestLimitExceeded/);
  assert.deepEqual(l.log, ['ask a', 'ask b', 'list mesh', 'ask c', 'list mesh']);
});
