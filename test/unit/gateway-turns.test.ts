/**
 * Writes to one VPN gateway leave this worker one at a time (ARM runs one operation per
 * gateway); writes to other gateways do not wait; a waiter that gives up does not hold the
 * ones behind it; a failed write releases its turn.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayTurns } from '../../activities/azure/gateway-turns.ts';

test('writes to one gateway run one after the other, in order; another gateway runs meanwhile', async () => {
  const turns = new GatewayTurns();
  const log: string[] = [];
  const write = (name: string, ms: number) => async () => {
    log.push(`${name} start`);
    await sleep(ms);
    log.push(`${name} end`);
    return name;
  };
  const results = await Promise.all([
    turns.take('g1', undefined, write('a', 30)),
    turns.take('g1', undefined, write('b', 10)),
    turns.take('g2', undefined, write('x', 5)),
  ]);
  assert.deepEqual(results, ['a', 'b', 'x']);
  assert.deepEqual(log, ['a start', 'x start', 'x end', 'a end', 'b start', 'b end']);
});

test('a failed write releases its turn; a waiter that is cancelled stops waiting and does not hold the next', async () => {
  const turns = new GatewayTurns();
  const first = turns.take('g', undefined, async () => {
    await sleep(30);
    throw new Error('operation failed');
  });
  const abort = new AbortController();
  const cancelled = turns.take('g', abort.signal, async () => 'never');
  const third = turns.take('g', undefined, async () => 'third');
  abort.abort(new Error('activity cancelled'));
  await assert.rejects(cancelled, /activity cancelled/);
  await assert.rejects(first, /operation failed/);
  assert.equal(await third, 'third');
});
