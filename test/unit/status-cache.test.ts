import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatusCache } from '../../api/status-cache.ts';

/** A cache on a clock the test moves, and a fetch that counts its calls and resolves when told. */
function harness(maxAgeMs: number) {
  let now = 0;
  const cache = new StatusCache<string>(maxAgeMs, () => now);
  const calls: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  const fetch = () => new Promise<string>((resolve, reject) => calls.push({ resolve, reject }));
  return { cache, calls, fetch, advance: (ms: number) => (now += ms) };
}

describe('status cache', () => {
  test('reads of one mesh while a fetch runs share it: one describe and query, not one per read', async () => {
    const h = harness(1000);
    const reads = [h.cache.get('a', h.fetch), h.cache.get('a', h.fetch), h.cache.get('a', h.fetch)];
    assert.equal(h.calls.length, 1);
    h.calls[0]!.resolve('Ready');
    assert.deepEqual(await Promise.all(reads), ['Ready', 'Ready', 'Ready']);
  });

  test('an answer serves reads until maxAgeMs after its fetch started, then the next read fetches again', async () => {
    const h = harness(1000);
    const first = h.cache.get('a', h.fetch);
    h.advance(300);
    h.calls[0]!.resolve('Provisioning');
    await first;
    h.advance(699);
    assert.equal(await h.cache.get('a', h.fetch), 'Provisioning', '999 ms after the fetch started');
    h.advance(1);
    const second = h.cache.get('a', h.fetch);
    assert.equal(h.calls.length, 2, '1000 ms after: fetched again');
    h.calls[1]!.resolve('Ready');
    assert.equal(await second, 'Ready');
  });

  test('"nothing" is an answer too: a mesh without drills is not listed again on every read', async () => {
    let now = 0;
    let fetches = 0;
    const cache = new StatusCache<string | undefined>(1000, () => now);
    const fetch = async () => {
      fetches++;
      return undefined;
    };
    assert.equal(await cache.get('a', fetch), undefined);
    now = 500;
    assert.equal(await cache.get('a', fetch), undefined);
    assert.equal(fetches, 1);
  });

  test('meshes are cached apart', async () => {
    const h = harness(1000);
    const [a, b] = [h.cache.get('a', h.fetch), h.cache.get('b', h.fetch)];
    assert.equal(h.calls.length, 2);
    h.calls[0]!.resolve('A');
    h.calls[1]!.resolve('B');
    assert.deepEqual([await a, await b], ['A', 'B']);
  });

  test('a failed fetch reaches every read that shared it and is not kept', async () => {
    const h = harness(1000);
    const reads = [h.cache.get('a', h.fetch), h.cache.get('a', h.fetch)];
    h.calls[0]!.reject(new Error('no mesh named a'));
    for (const read of reads) await assert.rejects(read, /no mesh named a/);
    const again = h.cache.get('a', h.fetch);
    assert.equal(h.calls.length, 2, 'the next read asks again');
    h.calls[1]!.resolve('Ready');
    assert.equal(await again, 'Ready');
  });

  test('forget: the next read fetches, and an answer that was in flight during the change is not kept', async () => {
    const h = harness(1000);
    const before = h.cache.get('a', h.fetch);
    h.cache.forget('a');
    const after = h.cache.get('a', h.fetch);
    assert.equal(h.calls.length, 2, 'a read after forget does not join the earlier fetch');
    h.calls[0]!.resolve('Ready');
    h.calls[1]!.resolve('TearingDown');
    assert.equal(await before, 'Ready');
    assert.equal(await after, 'TearingDown');
    assert.equal(await h.cache.get('a', h.fetch), 'TearingDown', 'the answer from after the change is the one kept');
    assert.equal(h.calls.length, 2);
  });
});
