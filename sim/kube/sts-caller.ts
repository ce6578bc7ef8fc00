// Who signed an EKS token: the presigned GetCallerIdentity URL is sent to STS as it is,
// as EKS does, and an assumed-role session is reduced to its role, which is what access
// entries name.
import { CLUSTER_CALLER, CLUSTER_CALLER_HEADER } from './cluster-caller.ts';

const TIMEOUT_MS = 5_000;

export interface Caller {
  arn: string;
  /** The principal an access entry names: the role for a role session, else the ARN itself. */
  principalArn: string;
  account: string;
  userId: string;
}

export async function callerOf(presigned: URL, clusterName: string): Promise<Caller> {
  const response = await fetch(presigned, { headers: { 'x-k8s-aws-id': clusterName, [CLUSTER_CALLER_HEADER]: CLUSTER_CALLER }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await response.text();
  if (!response.ok) throw new Error(`STS refused GetCallerIdentity (${response.status})`);
  const field = (name: string) => new RegExp(`<${name}>([^<]+)</${name}>`).exec(body)?.[1];
  const [arn, account, userId] = [field('Arn'), field('Account'), field('UserId')];
  if (!body.includes('GetCallerIdentityResult') || !arn || !account || !userId) throw new Error(`STS did not answer GetCallerIdentity: ${body.slice(0, 120)}`);
  return { arn, principalArn: principalArnOf(arn), account, userId };
}

function principalArnOf(arn: string): string {
  const session = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : arn;
}
