import assert from 'node:assert/strict';
import { test } from 'node:test';
import { longestFirst } from '../schedule.ts';

const seconds = { 'a.test.ts': 5, 'b.test.ts': 200, 'c.test.ts': 40, 'd.test.ts': 40 };
const stacks = new Set(['new-stack.test.ts']);
const cases: { name: string; files: string[]; expected: string[] }[] = [
  { name: 'known files run longest first', files: ['a.test.ts', 'b.test.ts', 'c.test.ts'], expected: ['b.test.ts', 'c.test.ts', 'a.test.ts'] },
  { name: 'equal seconds keep the given order', files: ['d.test.ts', 'c.test.ts'], expected: ['d.test.ts', 'c.test.ts'] },
  { name: 'an unknown file that starts a stack goes first, one that does not goes last', files: ['new-unit.test.ts', 'a.test.ts', 'new-stack.test.ts', 'b.test.ts'], expected: ['new-stack.test.ts', 'b.test.ts', 'a.test.ts', 'new-unit.test.ts'] },
];

for (const c of cases) {
  test(`test schedule: ${c.name}`, () => {
    assert.deepEqual(longestFirst(c.files, seconds, (file) => stacks.has(file)), c.expected);
  });
}
