/** A live mesh does not move (domain/mesh-place.ts): its AWS region, Azure subscription or location changed is refused by the plan, allowReplace or not. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { planChange } from '../../domain/change-plan.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

type Raw = any;
const example = (): Raw => JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));

function valid(raw: Raw): MeshSpec {
  const result = validateSpec(raw);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.spec;
}

const rows: { what: string; edit: (s: Raw) => void; path: string; mentions: string[] }[] = [
  { what: 'another AWS region', edit: (s) => { s.aws.region = 'us-west-2'; }, path: '/aws/region', mentions: ['aws.region us-east-1 → us-west-2', 'AWS region'] },
  { what: 'another Azure subscription', edit: (s) => { s.azure.subscriptionId = '11111111-2222-3333-4444-555555555555'; }, path: '/azure/subscriptionId', mentions: ['azure.subscriptionId', '11111111-2222-3333-4444-555555555555', 'Azure subscription'] },
  { what: 'another Azure location', edit: (s) => { s.azure.location = 'westeurope'; }, path: '/azure/location', mentions: ['azure.location eastus → westeurope', 'Azure location'] },
];

for (const row of rows) {
  for (const allowReplace of [false, true]) {
    test(`a live mesh moved to ${row.what} is refused (change.same-place at ${row.path}), allowReplace ${allowReplace}`, () => {
      const next = example();
      row.edit(next);
      const plan = planChange(valid(example()), valid(next), { naming: 2, allowReplace });
      const problem = plan.refused.find((p) => p.rule === 'change.same-place');
      assert.ok(problem, `refused: ${JSON.stringify(plan.refused)}`);
      assert.equal(problem.path, row.path);
      for (const words of row.mentions) assert.ok(problem.message.includes(words), problem.message);
      assert.match(problem.message, /DELETE the mesh and POST the new spec/);
    });
  }
}

test('a spec that stays where the mesh lives gets no change.same-place refusal', () => {
  const next = example();
  next.istio = { ...(next.istio ?? {}) };
  const plan = planChange(valid(example()), valid(next), { naming: 2, allowReplace: true });
  assert.deepEqual(plan.refused.filter((p) => p.rule === 'change.same-place'), []);
});
