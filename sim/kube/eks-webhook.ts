// The TokenReview webhook of EKS clusters (sim/README.md, "EKS authentication"): the
// token's signature, then STS for the caller, then the cluster's access entries.
import type { AccessEntries } from './access-entry.ts';
import { checkEksToken, type TokenCheckContext } from './eks-token-check.ts';
import { callerOf } from './sts-caller.ts';

export interface TokenReviewStatus {
  authenticated: boolean;
  user?: { username: string; uid: string; groups: string[]; extra: Record<string, string[]> };
  error?: string;
}

export interface EksCluster {
  key: string;
  name: string;
  region: string;
}

export class EksWebhook {
  constructor(
    private readonly context: Omit<TokenCheckContext, 'now'>,
    private readonly entries: AccessEntries,
  ) {}

  async review(token: string, cluster: EksCluster): Promise<TokenReviewStatus> {
    try {
      const presigned = await checkEksToken(token, cluster.name, { ...this.context, now: Date.now() });
      const caller = await callerOf(presigned, cluster.name);
      const user = await this.entries.userOf(cluster.region, cluster.name, caller.principalArn);
      return {
        authenticated: true,
        user: {
          ...user,
          // The uid and extras EKS gives (aws-iam-authenticator's).
          uid: `aws-iam-authenticator:${caller.account}:${caller.userId}`,
          extra: {
            arn: [caller.arn],
            canonicalArn: [caller.principalArn],
            principalId: [caller.userId],
            accessKeyId: [presigned.searchParams.get('X-Amz-Credential')!.split('/')[0]!],
          },
        },
      };
    } catch (error) {
      const reason = (error as Error).message;
      console.log(`eks token rejected for ${cluster.key}: ${reason}`);
      return { authenticated: false, error: reason };
    }
  }
}
