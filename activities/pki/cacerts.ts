/**
 * The `cacerts` secret in istio-system that puts istiod in plugged-in CA mode
 * (docs/domain-rules.md, "Plugged-in CA and rotation"): the cluster's intermediate and
 * key, the chain up to (not including) the root, and every trusted root.
 */
import type { CaKeyPair } from './certificate-authority.ts';
import { splitPemBundle } from './certificate-inspection.ts';
import { matchingPrivateKey } from './keys.ts';

export const CACERTS_KEYS = ['ca-cert.pem', 'ca-key.pem', 'root-cert.pem', 'cert-chain.pem'] as const;
export type CacertsKey = (typeof CACERTS_KEYS)[number];
/** The secret's values as plain text, for the Secret's `stringData`. */
export type CacertsData = Record<CacertsKey, string>;

export interface Cacerts {
  intermediate: CaKeyPair;
  /** cert-chain.pem, intermediate first. */
  chain: string[];
  /** root-cert.pem, in order. */
  roots: string[];
}

export function cacertsData(params: { intermediate: CaKeyPair; roots: string[] }): CacertsData {
  // Re-encoding each root guarantees one certificate per block and a newline between them.
  const roots = params.roots.flatMap(splitPemBundle);
  if (roots.length === 0) throw new Error('cacerts needs at least one root certificate');
  return {
    'ca-cert.pem': params.intermediate.certPem,
    'ca-key.pem': params.intermediate.keyPem,
    // Order kept: without ISTIO_MULTIROOT_MESH, proxies trust only the first root.
    'root-cert.pem': roots.join(''),
    // Intermediates are issued by the root itself, so the chain is the intermediate alone.
    'cert-chain.pem': params.intermediate.certPem,
  };
}

/**
 * A cacerts Secret's `data` (base64 values, as the Kubernetes API returns them) parsed
 * back. Throws naming every missing key, or the key that does not parse.
 */
export function readCacerts(data: Record<string, string> | undefined): Cacerts {
  const missing = CACERTS_KEYS.filter((key) => !data?.[key]);
  if (missing.length > 0) {
    const present = Object.keys(data ?? {});
    throw new Error(`cacerts lacks ${missing.join(', ')} (it has ${present.length > 0 ? present.join(', ') : 'no data'})`);
  }
  const text = (key: CacertsKey): string => Buffer.from(data?.[key] ?? '', 'base64').toString('utf8');
  const certificates = (key: CacertsKey): string[] => {
    let certs: string[];
    try {
      certs = splitPemBundle(text(key));
    } catch (error) {
      throw new Error(`cacerts ${key} holds a certificate that does not parse: ${(error as Error).message}`);
    }
    if (certs.length === 0) throw new Error(`cacerts ${key} holds no PEM certificate`);
    return certs;
  };
  const caCerts = certificates('ca-cert.pem');
  if (caCerts.length !== 1) throw new Error(`cacerts ca-cert.pem holds ${caCerts.length} certificates; istiod signs with exactly one`);
  const certPem = caCerts[0] as string;
  const keyPem = text('ca-key.pem');
  try {
    matchingPrivateKey(certPem, keyPem);
  } catch (error) {
    throw new Error(`cacerts ca-key.pem: ${(error as Error).message}`);
  }
  return { intermediate: { certPem, keyPem }, chain: certificates('cert-chain.pem'), roots: certificates('root-cert.pem') };
}
