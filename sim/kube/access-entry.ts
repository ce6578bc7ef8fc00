// What an authenticated EKS caller is inside the cluster, from the cluster's access
// entries in Moto's EKS, read with the real SDK: no entry, no user; the cluster-admin
// access policy at cluster scope makes the user a `system:masters` member (EKS grants
// its access policies outside RBAC; this group is the proving ground's equivalent).
import {
  DescribeAccessEntryCommand,
  EKSClient,
  ListAssociatedAccessPoliciesCommand,
  ResourceNotFoundException,
  type AccessEntry,
  type AssociatedAccessPolicy,
} from '@aws-sdk/client-eks';
import type { AwsCredentialIdentity } from '@smithy/types';
import { CLUSTER_CALLER, CLUSTER_CALLER_HEADER } from './cluster-caller.ts';

const CLUSTER_ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

export interface KubeUser {
  username: string;
  groups: string[];
}

export class AccessEntries {
  private readonly clients = new Map<string, EKSClient>();

  constructor(
    private readonly endpoint: string,
    private readonly credentials: AwsCredentialIdentity,
  ) {}

  /** The user `principalArn` is on the cluster; throws (the rejection's reason) when it has no access entry. */
  async userOf(region: string, clusterName: string, principalArn: string): Promise<KubeUser> {
    const entry = await this.entry(region, clusterName, principalArn);
    const policies = await this.policies(region, clusterName, principalArn);
    const admin = policies.some((p) => p.policyArn === CLUSTER_ADMIN_POLICY && p.accessScope?.type === 'cluster');
    return {
      username: entry.username || principalArn,
      groups: [...(entry.kubernetesGroups ?? []), ...(admin ? ['system:masters'] : [])],
    };
  }

  private async entry(region: string, clusterName: string, principalArn: string): Promise<AccessEntry> {
    try {
      const { accessEntry } = await this.client(region).send(new DescribeAccessEntryCommand({ clusterName, principalArn }));
      if (accessEntry) return accessEntry;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw new Error(`DescribeAccessEntry failed: ${(error as Error).message}`);
    }
    throw new Error(`${principalArn} has no access entry on cluster ${clusterName}`);
  }

  private async policies(region: string, clusterName: string, principalArn: string): Promise<AssociatedAccessPolicy[]> {
    const all: AssociatedAccessPolicy[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client(region)
        .send(new ListAssociatedAccessPoliciesCommand({ clusterName, principalArn, nextToken }))
        .catch((error: Error) => {
          throw new Error(`ListAssociatedAccessPolicies failed: ${error.message}`);
        });
      all.push(...(page.associatedAccessPolicies ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return all;
  }

  private client(region: string): EKSClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new EKSClient({ region, endpoint: this.endpoint, credentials: this.credentials, maxAttempts: 2 });
      client.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers[CLUSTER_CALLER_HEADER] = CLUSTER_CALLER;
          return next(args);
        },
        { step: 'build', name: 'clusterCallerHeader' },
      );
      this.clients.set(region, client);
    }
    return client;
  }
}
