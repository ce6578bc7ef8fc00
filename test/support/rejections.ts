/** The shape of every validation table: each case must be refused with its rule at its path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateSpec } from '../../domain/validate-spec.ts';

export function rejectionTable(cases: [what: string, spec: () => unknown, path: string, rule: string][]): void {
  for (const [what, spec, path, rule] of cases) {
    test(`rejects ${what} at ${path} (${rule})`, () => {
      const result = validateSpec(spec());
      assert.equal(result.ok, false);
      const problems = result.ok ? [] : result.problems;
      assert.ok(problems.some((p) => p.path === path && p.rule === rule && p.message.length > 0), `expected ${rule} at ${path}, got ${JSON.stringify(problems)}`);
    });
  }
}
