/**
 * An IAM role trusted by one AWS service (EKS for the cluster role, EC2 for the node
 * role) with its AWS managed policies attached. IAM names are unique per account, so
 * the role's name is its identity; the mesh tag says it is ours to delete.
 */
import {
  AttachRolePolicyCommand, CreateRoleCommand, DeleteRoleCommand, DetachRolePolicyCommand, GetRoleCommand, ListAttachedRolePoliciesCommand,
  type Role,
} from '@aws-sdk/client-iam';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { isNotFound, tolerating } from '../cloud-errors.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { byMeshTag, RENAME_CELL } from '../ownership.ts';
import { MESH_TAG, NODE_TAG } from './tags.ts';

type Params = ClusterParams['aws.iamRole'];

export interface ObservedRole {
  role: Role;
  attachedPolicyArns: string[];
}

export function iamRoleHandler(clients: CloudClients): ResourceHandler<Params, ObservedRole> {
  const iam = () => clients.iam();
  const attached = async (name: string) =>
    ((await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '');
  return {
    async describe({ params }) {
      try {
        const { Role: role } = await iam().send(new GetRoleCommand({ RoleName: params.name }));
        return role ? { role, attachedPolicyArns: await attached(params.name) } : undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async create({ id, params }) {
      let made: Role | undefined;
      try {
        ({ Role: made } = await iam().send(new CreateRoleCommand({
          RoleName: params.name,
          AssumeRolePolicyDocument: JSON.stringify(trustPolicy(params.trustedService)),
          Description: `cellbridge mesh ${params.scope.mesh}: ${params.trustedService} role`,
          Tags: [{ Key: MESH_TAG, Value: params.scope.mesh }, { Key: NODE_TAG, Value: id }],
        })));
      } catch (error) {
        if ((error as { name?: string }).name !== 'EntityAlreadyExistsException') throw error;
      }
      // A role this call made has no policies yet; one an earlier attempt made may have some.
      const have = made ? [] : await attached(params.name);
      for (const arn of params.managedPolicyArns.filter((p) => !have.includes(p))) {
        await iam().send(new AttachRolePolicyCommand({ RoleName: params.name, PolicyArn: arn }));
      }
      // The role as CreateRole answered it, with every policy attached: what a describe would find, so none confirms it.
      return made ? { role: made, attachedPolicyArns: [...params.managedPolicyArns] } : undefined;
    },
    phase: (observed, { params }) => {
      const missing = params.managedPolicyArns.filter((p) => !observed.attachedPolicyArns.includes(p));
      return missing.length === 0 ? ready() : { is: 'drifted', detail: `policies not attached: ${missing.join(', ')}` };
    },
    output: ({ role }) => ({ cloudId: role.Arn ?? '', state: 'available', attributes: { name: role.RoleName ?? '' } }),
    async delete({ role, attachedPolicyArns }) {
      // IAM refuses to delete a role that still has policies attached. A policy already detached (a
      // retried detach whose first answer was lost) must not end the delete before the role goes:
      // the engine would then wait for a role nobody deletes.
      for (const arn of attachedPolicyArns) {
        await tolerating('NoSuchEntityException', () => iam().send(new DetachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: arn })));
      }
      await iam().send(new DeleteRoleCommand({ RoleName: role.RoleName }));
    },
    ownership: ({ role }, { params }) => byMeshTag(params.scope, role.Tags?.find((t) => t.Key === MESH_TAG)?.Value, `IAM role ${params.name}`, RENAME_CELL),
    // DeleteRole answers once the role is deleted, and its name is unique in the account: no second copy to look for.
    goneWhenDeleted: true,
  };
}

function trustPolicy(service: string) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: ['sts:AssumeRole'] }],
  };
}
