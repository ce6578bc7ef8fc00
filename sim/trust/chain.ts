/**
 * Chain verification of the proving ground's own, with node's X509Certificate only: the
 * judge of workload certificates must not be the product's PKI code it is judging.
 */
import { X509Certificate } from 'node:crypto';

export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Why `roots` refuse the chain a proxy presents (leaf first, then what istiod sent with it),
 * or undefined when they accept it: each certificate must be issued and signed by the next
 * and valid at `now`, and the first one that is not itself a trusted root must be issued by
 * one of `roots`. A root the chain carries proves nothing: only `roots` are trusted.
 */
export function refusal(chainPem: string[], rootsPem: string[], now: Date): string | undefined {
  if (chainPem.length === 0) return 'there is no certificate';
  if (rootsPem.length === 0) return 'there is no trusted root';
  const chain = chainPem.map((pem) => new X509Certificate(pem));
  const roots = rootsPem.map((pem) => new X509Certificate(pem));
  for (const [i, cert] of chain.entries()) {
    if (!validAt(cert, now)) return `${label(cert)} is not valid at ${now.toISOString()} (${cert.validFrom} – ${cert.validTo})`;
    if (roots.some((root) => issued(cert, root) && validAt(root, now))) return undefined;
    const next = chain[i + 1];
    if (!next || isSelfSigned(next)) break;
    if (!issued(cert, next)) return `the presented chain is broken: ${label(cert)} is not issued by ${label(next)}`;
  }
  const top = chain.find((_, i) => !chain[i + 1] || isSelfSigned(chain[i + 1]!)) ?? chain.at(-1)!;
  return `${label(top)} is issued by none of the ${roots.length} trusted root(s) valid now: ${roots.map(label).join('; ')}`;
}

/** The URI SAN of a workload certificate (its SPIFFE ID), as node prints it. */
export function spiffeIds(certPem: string): string[] {
  return (new X509Certificate(certPem).subjectAltName ?? '').split(', ').filter((name) => name.startsWith('URI:')).map((name) => name.slice(4));
}

function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function isSelfSigned(cert: X509Certificate): boolean {
  return issued(cert, cert);
}

function validAt(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/** Subject (a workload certificate has none: its SPIFFE ID instead) and the start of its fingerprint: roots of a rotation share their subject. */
export function label(cert: X509Certificate): string {
  // node gives undefined, not '', for the empty subject of a workload certificate.
  const name = (cert.subject || '').replace(/\n/g, ', ') || cert.subjectAltName || 'no subject';
  return `${name} [${cert.fingerprint256.replace(/:/g, '').slice(0, 8)}]`;
}
