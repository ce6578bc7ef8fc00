/** Who may do what through the API: which methods need an operator, and which OIDC claims make one. Tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimValues, mayCall, requiredRole, roleFromClaims, type Role } from '../../domain/roles.ts';

const CALLS: [Role, string, boolean][] = [
  ['reader', 'GET', true],
  ['reader', 'HEAD', true],
  ['reader', 'OPTIONS', true],
  ['reader', 'POST', false],
  ['reader', 'PUT', false],
  ['reader', 'PATCH', false],
  ['reader', 'DELETE', false],
  ['reader', 'delete', false],
  ['reader', 'TRACE', false],
  ['operator', 'GET', true],
  ['operator', 'POST', true],
  ['operator', 'PUT', true],
  ['operator', 'PATCH', true],
  ['operator', 'DELETE', true],
];
for (const [role, method, allowed] of CALLS) {
  test(`a ${role} ${allowed ? 'may' : 'may not'} call ${method}`, () => {
    assert.equal(mayCall(role, method), allowed);
  });
}

test('only GET, HEAD and OPTIONS are reading; an unknown method needs an operator', () => {
  assert.deepEqual(
    ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND'].map(requiredRole),
    ['reader', 'reader', 'reader', 'operator', 'operator', 'operator', 'operator', 'operator'],
  );
});

const OPERATORS = { claim: 'groups', values: ['mesh-admins', 'platform'] };
const ROLES: [string, Record<string, unknown>, { claim: string; values: string[] }, Role][] = [
  ['a group listed as operators', { groups: ['devs', 'platform'] }, OPERATORS, 'operator'],
  ['only other groups', { groups: ['devs', 'viewers'] }, OPERATORS, 'reader'],
  ['no such claim', { sub: 'alice' }, OPERATORS, 'reader'],
  ['an empty claim', { groups: [] }, OPERATORS, 'reader'],
  ['a single string value', { groups: 'mesh-admins' }, OPERATORS, 'operator'],
  ['a space-separated scope', { scope: 'openid cellbridge:operate' }, { claim: 'scope', values: ['cellbridge:operate'] }, 'operator'],
  ['a scope naming only reading', { scope: 'openid cellbridge:read' }, { claim: 'scope', values: ['cellbridge:operate'] }, 'reader'],
  ['a value that only contains an operator value', { groups: ['platform-readers'] }, OPERATORS, 'reader'],
  ['a different case', { groups: ['Platform'] }, OPERATORS, 'reader'],
  ['non-string values', { groups: [1, true, { platform: 1 }] }, OPERATORS, 'reader'],
  ['a nested claim', { realm_access: { roles: ['cellbridge-operator'] } }, { claim: 'realm_access.roles', values: ['cellbridge-operator'] }, 'operator'],
  ['a nested path through an array', { realm_access: [{ roles: ['cellbridge-operator'] }] }, { claim: 'realm_access.roles', values: ['cellbridge-operator'] }, 'reader'],
  ['a path through the prototype', { groups: ['x'] }, { claim: 'constructor.name', values: ['Object'] }, 'reader'],
  ['no operator values configured', { groups: ['platform'] }, { claim: 'groups', values: [] }, 'reader'],
];
for (const [what, claims, rule, role] of ROLES) {
  test(`an OIDC caller with ${what} is a ${role}`, () => {
    assert.equal(roleFromClaims(claims, rule), role);
  });
}

test('a claim\'s values: strings of an array, words of a string, nothing from numbers or objects', () => {
  assert.deepEqual(claimValues({ a: ['x', 2, 'y'] }, 'a'), ['x', 'y']);
  assert.deepEqual(claimValues({ a: '  x\ty  ' }, 'a'), ['x', 'y']);
  assert.deepEqual(claimValues({ a: 7 }, 'a'), []);
  assert.deepEqual(claimValues({ a: { b: 'x' } }, 'a'), []);
  assert.deepEqual(claimValues({ a: { b: 'x' } }, 'a.b'), ['x']);
  assert.deepEqual(claimValues({ a: null }, 'a.b'), []);
});
