/**
 * EKS creates that name an IAM role made moments ago: a refusal while IAM propagates the
 * role becomes a retryable `RoleNotYetAssumable`, for as long as domain/role-propagation.ts
 * allows; anything else is thrown as it came.
 */
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/common';
import { mayStillPropagate, refusesRole, roleNameOf } from '../../domain/role-propagation.ts';
import type { CloudClients } from '../cloud-clients.ts';

export async function awaitingRolePropagation<T>(clients: CloudClients, roleArn: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; message?: string };
    const refusal = { errorName: e.name ?? '', message: e.message ?? '', roleArn };
    if (!refusesRole(refusal)) throw error;
    const ageMs = await roleAgeMs(clients, roleArn);
    if (ageMs === undefined || !mayStillPropagate(refusal, ageMs)) throw error;
    throw ApplicationFailure.create({
      message: `${e.message} (the role is ${Math.round(ageMs / 1000)} s old: IAM may not have propagated it yet)`,
      type: 'aws.RoleNotYetAssumable',
      nonRetryable: false,
    });
  }
}

async function roleAgeMs(clients: CloudClients, roleArn: string): Promise<number | undefined> {
  const { Role: role } = await clients.iam().send(new GetRoleCommand({ RoleName: roleNameOf(roleArn) }));
  return role?.CreateDate ? Date.now() - role.CreateDate.getTime() : undefined;
}
