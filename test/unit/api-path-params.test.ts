import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meshNameProblems, rotationIdOwner } from '../../api/path-params.ts';
import { newRotationId } from '../../domain/rotation.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { exampleSpec } from '../support/stack.ts';

const names: [string, boolean][] = [
  ['abc', true],
  ['abc-d', true],
  ['a23456789012345678901234', true],
  ['ab', false],
  ['a234567890123456789012345', false],
  ['Abc', false],
  ['1abc', false],
  ['abc-', false],
  ['../x', false],
  ['abc%2Fd', false],
  ['abc\nd', false],
  ['', false],
];

test('a mesh name in a URL is accepted exactly when the spec accepts it as a mesh name', () => {
  for (const [name, valid] of names) {
    assert.equal(meshNameProblems(name).length === 0, valid, name);
    const asSpec = validateSpec(exampleSpec('minimal', { name }));
    assert.equal(asSpec.ok || !asSpec.problems.some((p) => p.path === '/name'), valid, `spec with name ${JSON.stringify(name)}`);
  }
});

test('a refused mesh name names the parameter and the rule', () => {
  assert.deepEqual(meshNameProblems('../x').map((p) => [p.path, p.rule]), [['{name}', 'schema.pattern']]);
  assert.match(meshNameProblems('../x')[0]!.message, /3–24 characters/);
});

const rotationIds: [string, string | undefined][] = [
  ['rotation-abc-intermediate-0123abcd', 'abc'],
  ['rotation-abc-root-0123abcd', 'abc'],
  ['rotation-abc-d-intermediate-0123abcd', 'abc-d'],
  ['rotation-abc-root-root-0123abcd', 'abc-root'],
  ['rotation-abc-scheduled-2026-11-30T16:00:00Z', 'abc'],
  ['rotation-abc-scheduled-intermediate-0123abcd', 'abc-scheduled'],
  ['rotation-abc-d-scheduled-2026-11-30T16:00:00Z', 'abc-d'],
  ['rotation-abc-intermediate-0123abc', undefined],
  ['rotation-abc-intermediate-0123ABCD', undefined],
  ['rotation-abc-other-0123abcd', undefined],
  ['rotation-abc-scheduled', undefined],
  ['rotation-abc-', undefined],
  ['mesh-abc', undefined],
  ['rotation-../x-root-0123abcd', undefined],
];

test('a rotation ID belongs to the mesh its whole ID names, never to a mesh whose name is a prefix of it', () => {
  for (const [id, mesh] of rotationIds) {
    const owner = rotationIdOwner(id);
    assert.deepEqual('mesh' in owner ? owner.mesh : undefined, mesh, id);
  }
});

test('a malformed rotation ID is refused naming the parameter and the rule', () => {
  const owner = rotationIdOwner('rotation-abc-other-0123abcd');
  assert.ok('problems' in owner);
  assert.deepEqual(owner.problems.map((p) => [p.path, p.rule]), [['{rotationId}', 'rotation.id']]);
});

test('every rotation ID the API hands out is read back as its own mesh', () => {
  for (const mesh of ['abc', 'abc-d', 'abc-root', 'x-intermediate-1', 'scheduled']) {
    for (const kind of ['intermediate', 'root'] as const) {
      const id = newRotationId(mesh, kind, '0badc0de');
      assert.deepEqual(rotationIdOwner(id), { mesh }, id);
    }
  }
});
