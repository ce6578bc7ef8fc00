/**
 * Cluster admin for the orchestrator: an access entry for the worker's own principal
 * with AmazonEKSClusterAdminPolicy at cluster scope, so later activities reach the API
 * server with tokens they make themselves, and no one else gains access by accident.
 */
import {
  AssociateAccessPolicyCommand, CreateAccessEntryCommand, DeleteAccessEntryCommand, DescribeAccessEntryCommand, ListAssociatedAccessPoliciesCommand,
  type AccessEntry,
} from '@aws-sdk/client-eks';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { isNotFound } from '../cloud-errors.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { orchestratorPrincipal } from './orchestrator-principal.ts';
import { byMeshTag } from '../ownership.ts';
import { MESH_TAG, NODE_TAG } from './tags.ts';

type Params = ClusterParams['aws.eksAccessEntry'];

export const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

export interface ObservedEntry {
  entry: AccessEntry;
  clusterAdmin: boolean;
}

export function eksAccessEntryHandler(clients: CloudClients): ResourceHandler<Params, ObservedEntry> {
  const eks = (p: Params) => clients.eks(p.scope.aws.region);
  const principalIn = orchestratorPrincipal(clients);
  const principal = (p: Params) => principalIn(p.scope.aws.region);
  return {
    async describe({ params }) {
      const principalArn = await principal(params);
      try {
        const { accessEntry } = await eks(params).send(new DescribeAccessEntryCommand({ clusterName: params.clusterName, principalArn }));
        if (!accessEntry) return undefined;
        const { associatedAccessPolicies = [] } = await eks(params).send(new ListAssociatedAccessPoliciesCommand({ clusterName: params.clusterName, principalArn }));
        return { entry: accessEntry, clusterAdmin: associatedAccessPolicies.some((p) => p.policyArn === CLUSTER_ADMIN_POLICY && p.accessScope?.type === 'cluster') };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async create({ id, params }) {
      const principalArn = await principal(params);
      let made: AccessEntry | undefined;
      try {
        ({ accessEntry: made } = await eks(params).send(new CreateAccessEntryCommand({ clusterName: params.clusterName, principalArn, type: 'STANDARD', tags: { [MESH_TAG]: params.scope.mesh, [NODE_TAG]: id } })));
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
      }
      await eks(params).send(new AssociateAccessPolicyCommand({ clusterName: params.clusterName, principalArn, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } }));
      // The entry as CreateAccessEntry answered it, with the policy just associated: what a describe would find, so none confirms it.
      return made ? { entry: made, clusterAdmin: true } : undefined;
    },
    phase: (observed) => (observed.clusterAdmin ? ready() : { is: 'drifted', detail: 'the access entry lacks AmazonEKSClusterAdminPolicy' }),
    output: ({ entry }) => ({ cloudId: entry.accessEntryArn ?? '', state: 'ACTIVE', attributes: { principalArn: entry.principalArn ?? '' } }),
    async delete({ entry }, { params }) {
      await eks(params).send(new DeleteAccessEntryCommand({ clusterName: params.clusterName, principalArn: entry.principalArn }));
    },
    ownership: ({ entry }, { params }) =>
      byMeshTag(params.scope, entry.tags?.[MESH_TAG], `the access entry of ${entry.principalArn} on EKS cluster ${params.clusterName}`, 'delete that access entry; cellbridge makes its own'),
    // DeleteAccessEntry answers once the entry is deleted, and a cluster has one entry per principal: no second copy to look for.
    goneWhenDeleted: true,
  };
}
