/**
 * A kubeconfig read back from a cluster (a remote secret) or a cloud (AKS admin
 * credentials), reduced to the few fields cellbridge needs to reach one API server:
 * the server, its CA, and a bearer token or an inline client certificate. Everything
 * else is refused by name, because the library loaders honour it: `exec` and
 * `auth-provider` run programs as the worker's user, file fields read the worker's
 * disk, `proxy-url` and `tls-server-name` send the credential elsewhere or verify
 * another name. Refusal messages name the field and the rule, never a value.
 *
 * YAML is parsed with the failsafe schema: every scalar is a string, and any tag beyond
 * !!str, !!seq and !!map is an error, so no custom type is ever constructed.
 */
import { X509Certificate } from 'node:crypto';
import { FAILSAFE_SCHEMA, load, YAMLException } from 'js-yaml';

export interface StrictKubeconfig {
  server: string;
  /** Base64 of the PEM bundle the server's certificate must chain to. */
  caData: string;
  /** A bearer token (RFC 6750 characters). */
  token?: string;
  /** Base64 PEM certificate and key, given inline. */
  clientCertificate?: { certData: string; keyData: string };
}

export interface StrictKubeconfigRules {
  /** AKS admin credentials authenticate with an inline client certificate; remote secrets never do. */
  allowClientCertificate: boolean;
}

/** A kubeconfig that cellbridge will not use: `field` is a path in the document, `rule` what it breaks. */
export class KubeconfigRefused extends Error {
  constructor(readonly field: string, readonly rule: string) {
    super(`${field}: ${rule}`);
    this.name = 'KubeconfigRefused';
  }
}

export const MAX_KUBECONFIG_BYTES = 64 * 1024;

/** Fields the loaders act on that cellbridge refuses, each with why. */
const DANGEROUS: Record<string, string> = {
  exec: 'runs a program on the worker (credential plugin); refused',
  'auth-provider': 'runs an authentication provider plugin on the worker; refused',
  'client-certificate': 'reads a file on the worker; refused (only inline -data fields are accepted)',
  'client-key': 'reads a file on the worker; refused (only inline -data fields are accepted)',
  'certificate-authority': 'reads a file on the worker; refused (only certificate-authority-data is accepted)',
  tokenFile: 'reads a file on the worker; refused (only an inline token is accepted)',
  username: 'basic authentication is refused',
  password: 'basic authentication is refused',
  as: 'impersonation is refused',
  'as-uid': 'impersonation is refused',
  'as-groups': 'impersonation is refused',
  'as-user-extra': 'impersonation is refused',
  'proxy-url': 'would send the credential through a proxy; refused',
  'insecure-skip-tls-verify': 'turns off verification of the server; refused',
  'tls-server-name': 'verifies the server under another name; refused',
};

const TOP_LEVEL = ['apiVersion', 'kind', 'clusters', 'contexts', 'current-context', 'users', 'preferences'];
const CLUSTER_FIELDS = ['server', 'certificate-authority-data'];
const CONTEXT_FIELDS = ['cluster', 'user', 'namespace'];
const TOKEN_FIELDS = ['token'];
const CERTIFICATE_FIELDS = ['token', 'client-certificate-data', 'client-key-data'];
/** RFC 6750 b64token: also keeps header-breaking characters out of the Authorization header. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

type Mapping = Record<string, unknown>;

export function parseStrictKubeconfig(text: string, rules: StrictKubeconfigRules): StrictKubeconfig {
  if (Buffer.byteLength(text, 'utf8') > MAX_KUBECONFIG_BYTES) throw new KubeconfigRefused('the document', `is larger than ${MAX_KUBECONFIG_BYTES} bytes`);
  const doc = mapping(parseYaml(text), 'the document');
  onlyFields(doc, TOP_LEVEL, '');
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'v1') throw new KubeconfigRefused('apiVersion', 'must be v1');
  if (doc.kind !== undefined && doc.kind !== 'Config') throw new KubeconfigRefused('kind', 'must be Config');
  if (doc.preferences !== undefined && Object.keys(mapping(doc.preferences, 'preferences')).length > 0) throw new KubeconfigRefused('preferences', 'must be empty');

  const cluster = single(doc, 'clusters', 'cluster');
  const user = single(doc, 'users', 'user');
  const context = single(doc, 'contexts', 'context');
  if (doc['current-context'] !== context.name) throw new KubeconfigRefused('current-context', 'must name the one context (contexts[0].name)');
  onlyFields(context.body, CONTEXT_FIELDS, 'contexts[0].context.');
  if (context.body.cluster !== cluster.name) throw new KubeconfigRefused('contexts[0].context.cluster', 'must name the one cluster (clusters[0].name)');
  if (context.body.user !== user.name) throw new KubeconfigRefused('contexts[0].context.user', 'must name the one user (users[0].name)');

  return { ...clusterFields(cluster.body), ...userFields(user.body, rules) };
}

function parseYaml(text: string): unknown {
  try {
    return load(text, { schema: FAILSAFE_SCHEMA });
  } catch (error) {
    // js-yaml's own message quotes the document around the error: it could quote a token.
    const e = error as YAMLException & { reason?: string; mark?: { line: number } };
    throw new KubeconfigRefused('the document', `is not valid YAML (${e.reason ?? 'unreadable'}${e.mark ? ` at line ${e.mark.line + 1}` : ''})`);
  }
}

function clusterFields(body: Mapping): Pick<StrictKubeconfig, 'server' | 'caData'> {
  onlyFields(body, CLUSTER_FIELDS, 'clusters[0].cluster.');
  return { server: httpsServer(body.server), caData: certificateData(body['certificate-authority-data'], 'clusters[0].cluster.certificate-authority-data', 'CERTIFICATE') };
}

function userFields(body: Mapping, rules: StrictKubeconfigRules): Pick<StrictKubeconfig, 'token' | 'clientCertificate'> {
  onlyFields(body, rules.allowClientCertificate ? CERTIFICATE_FIELDS : TOKEN_FIELDS, 'users[0].user.');
  const token = body.token === undefined ? undefined : bearerToken(body.token);
  const hasCert = body['client-certificate-data'] !== undefined;
  if (hasCert !== (body['client-key-data'] !== undefined)) {
    throw new KubeconfigRefused(`users[0].user.${hasCert ? 'client-key-data' : 'client-certificate-data'}`, 'is required with the other half of the client certificate');
  }
  const clientCertificate = hasCert
    ? {
      certData: certificateData(body['client-certificate-data'], 'users[0].user.client-certificate-data', 'CERTIFICATE'),
      keyData: certificateData(body['client-key-data'], 'users[0].user.client-key-data', 'PRIVATE KEY'),
    }
    : undefined;
  if (!token && !clientCertificate) throw new KubeconfigRefused('users[0].user', rules.allowClientCertificate ? 'needs a token or client-certificate-data and client-key-data' : 'needs a token');
  return { ...(token ? { token } : {}), ...(clientCertificate ? { clientCertificate } : {}) };
}

/** Exactly one named entry: with several, which one a loader uses depends on current-context, and cellbridge reads one. */
function single(doc: Mapping, list: 'clusters' | 'users' | 'contexts', key: string): { name: string; body: Mapping } {
  const items = doc[list];
  if (!Array.isArray(items) || items.length !== 1) {
    throw new KubeconfigRefused(list, `must hold exactly one ${key} (found ${Array.isArray(items) ? items.length : 'none'})`);
  }
  const entry = mapping(items[0], `${list}[0]`);
  onlyFields(entry, ['name', key], `${list}[0].`);
  if (typeof entry.name !== 'string' || entry.name === '') throw new KubeconfigRefused(`${list}[0].name`, 'must be a non-empty string');
  return { name: entry.name, body: mapping(entry[key], `${list}[0].${key}`) };
}

function onlyFields(value: Mapping, allowed: string[], prefix: string): void {
  for (const field of Object.keys(value)) {
    if (allowed.includes(field)) continue;
    throw new KubeconfigRefused(`${prefix}${field}`, DANGEROUS[field] ?? `is not a field cellbridge accepts here (accepted: ${allowed.join(', ')})`);
  }
}

function mapping(value: unknown, field: string): Mapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new KubeconfigRefused(field, 'must be a mapping');
  return value as Mapping;
}

function httpsServer(value: unknown): string {
  const field = 'clusters[0].cluster.server';
  if (typeof value !== 'string' || value === '') throw new KubeconfigRefused(field, 'is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KubeconfigRefused(field, 'must be an absolute https URL');
  }
  if (url.protocol !== 'https:') throw new KubeconfigRefused(field, 'must be an https URL (a token is never sent in clear)');
  if (url.username || url.password) throw new KubeconfigRefused(field, 'must not carry credentials');
  if (url.search || url.hash) throw new KubeconfigRefused(field, 'must not have a query or fragment');
  return value;
}

function bearerToken(value: unknown): string {
  if (typeof value !== 'string' || !BEARER_TOKEN.test(value)) throw new KubeconfigRefused('users[0].user.token', 'must be a bearer token (RFC 6750 characters only)');
  return value;
}

/** Base64 of PEM blocks of `label`; certificates must also parse. */
function certificateData(value: unknown, field: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  if (typeof value !== 'string' || value === '') throw new KubeconfigRefused(field, 'is required');
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new KubeconfigRefused(field, 'must be base64');
  const pem = Buffer.from(compact, 'base64').toString('utf8');
  const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  if (blocks.length === 0 || !blocks.every((b) => b.startsWith(`-----BEGIN ${label}`) || (label === 'PRIVATE KEY' && /^-----BEGIN (EC|RSA) PRIVATE KEY/.test(b)))) {
    throw new KubeconfigRefused(field, `must be base64 of PEM ${label} blocks`);
  }
  if (label === 'CERTIFICATE') {
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch {
        throw new KubeconfigRefused(field, 'holds a certificate that does not parse');
      }
    }
  }
  return compact;
}
