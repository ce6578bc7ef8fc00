import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayStillPropagate, ROLE_PROPAGATION_BOUND_MS, roleNameOf } from '../../domain/role-propagation.ts';

const ROLE = 'arn:aws:iam::123456789012:role/cellbridge-demo-eks-cluster';
const refusedRole = { errorName: 'InvalidParameterException', message: `Role with arn: ${ROLE}, could not be assumed because it does not exist or the trusted entity is not correct`, roleArn: ROLE };
const refusedNodeRole = { errorName: 'InvalidParameterException', message: `Following required service principals [ec2.amazonaws.com] were not found in the trust relationships of nodeRole ${ROLE}`, roleArn: ROLE };

const cases: [string, Parameters<typeof mayStillPropagate>[0], number, boolean][] = [
  ['cluster role refused 3 s after its creation: retry', refusedRole, 3_000, true],
  ['node role refused 3 s after its creation: retry', refusedNodeRole, 3_000, true],
  ['role refused just before the bound: retry', refusedRole, ROLE_PROPAGATION_BOUND_MS - 1, true],
  ['role refused at the bound: final (a trust policy that is wrong, not late)', refusedRole, ROLE_PROPAGATION_BOUND_MS, false],
  ['role refused an hour after its creation: final', refusedRole, 3_600_000, false],
  ['an InvalidParameterException about something else (subnets) from a young role: final', { ...refusedRole, message: "The subnet ID 'subnet-1' does not exist" }, 3_000, false],
  ['an InvalidParameterException naming another role: final', { ...refusedRole, roleArn: 'arn:aws:iam::123456789012:role/other' }, 3_000, false],
  ['another error naming the role (AccessDenied): final', { ...refusedRole, errorName: 'AccessDeniedException' }, 3_000, false],
  ['no role ARN known: final', { ...refusedRole, roleArn: '' }, 3_000, false],
  ['a role whose creation date is ahead of the worker clock (skew): retry', refusedRole, -5_000, true],
];

for (const [name, refusal, ageMs, expected] of cases) {
  test(`role propagation: ${name}`, () => assert.equal(mayStillPropagate(refusal, ageMs), expected));
}

test('role name of an ARN, with and without a path', () => {
  assert.equal(roleNameOf(ROLE), 'cellbridge-demo-eks-cluster');
  assert.equal(roleNameOf('arn:aws:iam::123456789012:role/service/eks/r1'), 'r1');
});
