/**
 * An EKS bearer token made in-process, as aws-iam-authenticator does: a presigned STS
 * GetCallerIdentity URL whose signature covers the `x-k8s-aws-id: <cluster>` header,
 * as `k8s-aws-v1.<base64url>`. EKS accepts it for 15 minutes after signing, whatever
 * X-Amz-Expires says, so tokens are reused for 14 and then re-signed.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
const REUSE_MS = 14 * 60_000;

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The STS endpoint; default https://sts.<region>.amazonaws.com (the emulator's URL locally). */
  stsEndpoint?: string;
  signingDate?: Date;
}

export async function presignEksToken(request: EksTokenRequest): Promise<string> {
  const url = new URL(request.stsEndpoint ?? `https://sts.${request.region}.amazonaws.com/`);
  const signer = new SignatureV4({ credentials: request.credentials, region: request.region, service: 'sts', sha256: Sha256 });
  const unsigned = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: url.host, 'x-k8s-aws-id': request.clusterName },
  });
  const signed = await signer.presign(unsigned, { expiresIn: 60, signingDate: request.signingDate });
  const query = new URLSearchParams(Object.entries(signed.query ?? {}).map(([k, v]) => [k, String(v)]));
  const presigned = `${url.protocol}//${url.host}${url.pathname}?${query.toString()}`;
  return EKS_TOKEN_PREFIX + Buffer.from(presigned).toString('base64url');
}

/** Per-process token cache: one signature per cluster every 14 minutes. */
export class EksTokenCache {
  private readonly tokens = new Map<string, { token: string; signedAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async token(request: Omit<EksTokenRequest, 'signingDate'>): Promise<string> {
    const key = `${request.region}/${request.clusterName}/${request.stsEndpoint ?? ''}`;
    const cached = this.tokens.get(key);
    if (cached && this.now() - cached.signedAt < REUSE_MS) return cached.token;
    const signedAt = this.now();
    const token = await presignEksToken({ ...request, signingDate: new Date(signedAt) });
    this.tokens.set(key, { token, signedAt });
    return token;
  }
}
