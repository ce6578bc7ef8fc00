/**
 * The IAM principal the worker runs as, for its EKS access entry. STS reports an
 * assumed role as `arn:aws:sts::<acct>:assumed-role/<role>/<session>`, which EKS refuses
 * as a principal; the entry must name the role itself.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CloudClients } from '../cloud-clients.ts';
import { CredentialCache } from '../kube/credential-cache.ts';

/**
 * The principal, remembered by the worker (activities/kube/credential-cache.ts: 10 minutes, a
 * failed read not kept): the credentials a worker runs with name one principal, so a lookup, a
 * create and a delete's confirming read of the access entry need not each ask STS.
 */
export function orchestratorPrincipal(clients: CloudClients): (region: string) => Promise<string> {
  const known = new CredentialCache<string>();
  return async (region) => (await known.get(region, () => orchestratorPrincipalArn(clients, region)))!;
}

async function orchestratorPrincipalArn(clients: CloudClients, region: string): Promise<string> {
  const { Arn } = await clients.sts(region).send(new GetCallerIdentityCommand({}));
  if (!Arn) throw new Error('STS GetCallerIdentity returned no ARN');
  return principalFromCallerArn(Arn);
}

export function principalFromCallerArn(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn;
}
