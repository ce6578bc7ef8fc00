// The offline half of EKS token authentication: is this `k8s-aws-v1.` token a presigned
// STS GetCallerIdentity URL on the stack's STS endpoint, signed for this cluster by a
// known access key within the last 15 minutes? EKS checks the same through STS; the
// stack knows its own secret, so the signature is recomputed here instead.
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

const PREFIX = 'k8s-aws-v1.';
const MAX_AGE_MS = 15 * 60_000; // EKS's limit, whatever X-Amz-Expires says
const MAX_SKEW_MS = 5 * 60_000;
// What aws-iam-authenticator accepts; anything else could change what STS is asked.
const ALLOWED_PARAMS = new Set(['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']);
// Added by the presigner itself, so left out of the request whose signature is recomputed.
const SIGNER_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];

export interface TokenCheckContext {
  /** The stack's STS endpoint (Moto's URL). */
  stsEndpoint: URL;
  /** Secret access keys by access key id: the stack's credentials. */
  secrets: ReadonlyMap<string, string>;
  now: number;
}

/** The verified presigned URL; throws an Error whose message is the reason for rejection. */
export async function checkEksToken(token: string, clusterName: string, context: TokenCheckContext): Promise<URL> {
  if (!token.startsWith(PREFIX)) throw new Error(`not a ${PREFIX} token`);
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new Error('the token does not decode to a URL');
  }
  if (url.origin !== context.stsEndpoint.origin || url.pathname !== context.stsEndpoint.pathname) throw new Error(`the token's URL is not on the STS endpoint ${context.stsEndpoint.href}`);
  const params = url.searchParams;
  for (const name of new Set(params.keys())) {
    if (!ALLOWED_PARAMS.has(name)) throw new Error(`unexpected query parameter ${name}`);
    if (params.getAll(name).length > 1) throw new Error(`duplicate query parameter ${name}`);
  }
  if (params.get('Action') !== 'GetCallerIdentity') throw new Error('the token is not for GetCallerIdentity');
  if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new Error('the token is not signed with AWS4-HMAC-SHA256');
  const signedHeaders = (params.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id')) throw new Error('x-k8s-aws-id is not a signed header');
  if (signedHeaders.length !== 2 || !signedHeaders.includes('host')) throw new Error('the signed headers must be exactly host and x-k8s-aws-id');

  const [accessKeyId, , region, service, terminator] = (params.get('X-Amz-Credential') ?? '').split('/');
  if (service !== 'sts' || terminator !== 'aws4_request' || !region) throw new Error('X-Amz-Credential is not an STS credential scope');
  const secretAccessKey = context.secrets.get(accessKeyId ?? '');
  if (!secretAccessKey) throw new Error(`unknown access key ${accessKeyId}`);

  const signedAt = parseAmzDate(params.get('X-Amz-Date') ?? '');
  if (context.now - signedAt.getTime() >= MAX_AGE_MS) throw new Error('the token is more than 15 minutes old');
  if (signedAt.getTime() - context.now > MAX_SKEW_MS) throw new Error('the token is signed in the future');

  const expected = await presignedSignature(url, clusterName, region, { accessKeyId: accessKeyId!, secretAccessKey }, signedAt);
  const given = Buffer.from(params.get('X-Amz-Signature') ?? '', 'hex');
  const wanted = Buffer.from(expected, 'hex');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new Error(`the signature does not match (a token for another cluster than ${clusterName}, or altered)`);
  return url;
}

/** The X-Amz-Signature that presigning this URL with `x-k8s-aws-id: <clusterName>` gives. */
async function presignedSignature(url: URL, clusterName: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string }, signingDate: Date): Promise<string> {
  const query = Object.fromEntries([...url.searchParams].filter(([name]) => !SIGNER_PARAMS.includes(name)));
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Sha256 });
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query,
    headers: { host: url.host, 'x-k8s-aws-id': clusterName },
  });
  const expiresIn = Number(url.searchParams.get('X-Amz-Expires') ?? 60);
  const signed = await signer.presign(request, { expiresIn, signingDate });
  return String(signed.query?.['X-Amz-Signature'] ?? '');
}

function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error('X-Amz-Date is missing or malformed');
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}
