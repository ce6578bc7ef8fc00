/**
 * Reading certificates back: what a certificate says about itself, the certificates in
 * a PEM bundle (root-cert.pem may hold several roots during a root rotation), and
 * whether one certificate was issued by another.
 */
import { createHash } from 'node:crypto';
import { pem, x509 } from './x509.ts';

export type KeyAlgorithm = { type: 'EC'; curve: string } | { type: 'RSA'; bits: number } | { type: 'other'; name: string };

export type KeyUsageName = keyof typeof x509.KeyUsageFlags;

/** A certificate's identity and CA-relevant extensions; dates are ISO 8601 so it can travel as JSON. */
export interface CertificateInfo {
  /** RFC 4514 style, as @peculiar/x509 prints it, e.g. `O=cellbridge m1, CN=m1 root CA`. */
  subject: string;
  issuer: string;
  /** Hex, lower case, without the DER sign byte. */
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  isCa: boolean;
  /** basicConstraints pathLenConstraint; absent means no limit (or not a CA). */
  pathLength?: number;
  keyUsage: KeyUsageName[];
  /** Hex key identifiers; absent when the extension is. */
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** SHA-256 of the DER, hex, lower case, no colons. */
  fingerprintSha256: string;
  key: KeyAlgorithm;
  dnsNames: string[];
}

export function inspectCertificate(certPem: string): CertificateInfo {
  const cert = new x509.X509Certificate(certPem);
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  const usage = cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  const subjectKeyId = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const authorityKeyId = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    isCa: constraints?.ca ?? false,
    ...(constraints?.pathLength !== undefined ? { pathLength: constraints.pathLength } : {}),
    // A numeric enum maps its values back to names too; only the names have numbers.
    keyUsage: Object.entries(x509.KeyUsageFlags).flatMap(([flag, bit]) => (typeof bit === 'number' && (usage & bit) !== 0 ? [flag as KeyUsageName] : [])),
    ...(subjectKeyId ? { subjectKeyId: subjectKeyId.toLowerCase() } : {}),
    ...(authorityKeyId ? { authorityKeyId: authorityKeyId.toLowerCase() } : {}),
    fingerprintSha256: createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex'),
    key: keyAlgorithm(cert.publicKey.algorithm),
    dnsNames: (san?.names.items ?? []).filter((name) => name.type === 'dns').map((name) => name.value),
  };
}

/** The certificates of a PEM bundle, in order, each re-encoded as one PEM block; other blocks and text are ignored. */
export function splitPemBundle(text: string): string[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => pem(new x509.X509Certificate(block).rawData, 'CERTIFICATE'));
}

/**
 * True if one of the issuers could have issued the certificate at `now`: it is a CA,
 * the certificate names it as issuer, its key verifies the signature, and both are
 * within their validity. Chains longer than one step are not followed.
 */
export async function verifiesAgainst(certPem: string, issuerCertPems: string[], now: Date): Promise<boolean> {
  const cert = new x509.X509Certificate(certPem);
  if (!current(cert, now)) return false;
  for (const issuerPem of issuerCertPems) {
    const issuer = new x509.X509Certificate(issuerPem);
    const ca = issuer.getExtension(x509.BasicConstraintsExtension)?.ca === true;
    if (ca && current(issuer, now) && cert.issuer === issuer.subject && (await cert.verify({ publicKey: issuer, signatureOnly: true }))) return true;
  }
  return false;
}

function current(cert: x509.X509Certificate, now: Date): boolean {
  return cert.notBefore.getTime() <= now.getTime() && now.getTime() <= cert.notAfter.getTime();
}

function keyAlgorithm(algorithm: Algorithm & { namedCurve?: string; modulusLength?: number }): KeyAlgorithm {
  if (algorithm.name === 'ECDSA' && algorithm.namedCurve) return { type: 'EC', curve: algorithm.namedCurve };
  if (algorithm.name === 'RSASSA-PKCS1-v1_5' && algorithm.modulusLength) return { type: 'RSA', bits: algorithm.modulusLength };
  return { type: 'other', name: algorithm.name };
}
