/**
 * A workload certificate as istiod issues it in plugged-in CA mode (istio
 * security/pkg/pki/util generate_cert.go): signed by the cluster's intermediate from
 * cacerts, no subject, the SPIFFE identity as a critical URI SAN, CA:FALSE, usable for
 * mTLS in both directions. What a proxy presents is the leaf followed by cert-chain.pem.
 */
import type { CaKeyPair } from '../../activities/pki/certificate-authority.ts';
import { generateKeyPair, signingKey } from '../../activities/pki/keys.ts';
import { pem, x509 } from '../../activities/pki/x509.ts';

/** The identity of the sleep sample in the default namespace, under the default trust domain. */
export const WORKLOAD_SPIFFE_ID = 'spiffe://cluster.local/ns/default/sa/sleep';

/**
 * Short, like a workload certificate and unlike a CA: the trust check happens at one
 * instant, so the lifetime only has to cover it.
 */
const WORKLOAD_VALIDITY_MS = 60 * 60_000;

/** The chain a proxy serves: the new leaf, then `certChain` (cert-chain.pem, intermediate first). */
export async function issueWorkloadChain(intermediate: CaKeyPair, certChain: string[], now: Date): Promise<string[]> {
  const issuer = new x509.X509Certificate(intermediate.certPem);
  const issuerKeyId = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  // P-256 whatever the CA's key: the leaf's own key plays no part in chain validation, and it is the fastest to generate.
  const keys = await generateKeyPair('ECDSA_P256');
  const leaf = await x509.X509CertificateGenerator.create({
    // Istio leaves the subject empty, which is why the SAN is critical (RFC 5280 4.2.1.6).
    subject: [],
    issuer: issuer.subjectName,
    publicKey: keys.publicKey,
    signingKey: await signingKey(intermediate.certPem, intermediate.keyPem),
    notBefore: now,
    notAfter: new Date(now.getTime() + WORKLOAD_VALIDITY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: WORKLOAD_SPIFFE_ID }], true),
      issuerKeyId ? new x509.AuthorityKeyIdentifierExtension(issuerKeyId.keyId) : await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey),
    ],
  });
  return [pem(leaf.rawData, 'CERTIFICATE'), ...certChain];
}
