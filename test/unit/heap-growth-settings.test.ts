/** The worker's heap growth setting: 25 % unless CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT says otherwise (0: V8's own pacing), and a value V8 cannot take refused at start. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paceHeapGrowth } from '../../worker/heap-growth.ts';

const accepted: [what: string, env: Record<string, string>, percent: number][] = [
  ['nothing set (the default)', {}, 25],
  ['an empty value (the default)', { CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT: '' }, 25],
  ['50', { CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT: '50' }, 50],
  ['a fraction, rounded to V8\'s whole percent', { CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT: '12.6' }, 13],
  ['0 (V8 paces its heap itself)', { CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT: '0' }, 0],
];

for (const [what, env, percent] of accepted) {
  test(`the heap grows by ${percent} % with ${what}`, () => {
    assert.equal(paceHeapGrowth(env), percent);
  });
}

for (const raw of ['-10', 'fast', 'Infinity']) {
  test(`CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT=${raw} is refused`, () => {
    assert.throws(() => paceHeapGrowth({ CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT: raw }), /CELLBRIDGE_WORKER_HEAP_GROWTH_PERCENT must be a percent, 0 or more/);
  });
}
