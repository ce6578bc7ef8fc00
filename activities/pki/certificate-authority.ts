/**
 * The mesh CA (docs/domain-rules.md, "Plugged-in CA and rotation"): one self-signed root
 * per mesh and, under it, one intermediate per cluster for that cluster's istiod, in the
 * X.509 profile Istio's own tooling emits (istio tools/certs/common.mk), plus cRLSign.
 * Serial numbers are the generator's default: 128 random bits.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { KeyType } from '../../domain/mesh-spec.ts';
import {
  ISTIOD_DNS_NAME,
  intermediateSubject,
  intermediateValidity,
  rootSubject,
  rootValidity,
  type DistinguishedName,
} from '../../domain/pki-profile.ts';
import { generateKeyPair, privateKeyPem, signingKey } from './keys.ts';
import { pem, x509 } from './x509.ts';

/** A CA certificate and its private key, both PEM; cellbridge writes keys as PKCS#8. */
export interface CaKeyPair {
  certPem: string;
  keyPem: string;
}

// digitalSignature as Istio's tooling sets it; keyCertSign and cRLSign are what make a CA.
const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

export async function createRootCa(params: { mesh: string; keyType: KeyType; validityDays: number; now: Date }): Promise<CaKeyPair> {
  const keys = await generateKeyPair(params.keyType);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: name(rootSubject(params.mesh)),
    keys,
    ...rootValidity(params.now, params.validityDays),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert.rawData, 'CERTIFICATE'), keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * A cluster's intermediate: pathlen 0, because istiod signs only workload leaves with it,
 * and a validity inside the root's. Refused (non-retryable) when too little of the
 * root's life remains.
 */
export async function issueIntermediate(params: {
  root: CaKeyPair;
  mesh: string;
  cluster: string;
  keyType: KeyType;
  validityDays: number;
  /** The spec's verificationMarginDays: see intermediateValidity. */
  minimumDays: number;
  now: Date;
}): Promise<CaKeyPair> {
  const root = new x509.X509Certificate(params.root.certPem);
  const validity = intermediateValidity({
    now: params.now,
    validityDays: params.validityDays,
    root: { notBefore: root.notBefore, notAfter: root.notAfter },
    minimumDays: params.minimumDays,
  });
  if (!validity.ok) throw ApplicationFailure.nonRetryable(`cannot issue the intermediate CA of ${params.cluster}: ${validity.reason}`, 'pki.RootExpiring');
  const issuerKey = await signingKey(params.root.certPem, params.root.keyPem);
  const keys = await generateKeyPair(params.keyType);
  // A user's root may compute its key identifier another way: AKI must repeat the root's SKI.
  const rootKeyId = root.getExtension(x509.SubjectKeyIdentifierExtension);
  const cert = await x509.X509CertificateGenerator.create({
    subject: name(intermediateSubject(params.mesh, params.cluster)),
    // The root's own encoding of its name, so issuer and subject match byte for byte.
    issuer: root.subjectName,
    publicKey: keys.publicKey,
    signingKey: issuerKey,
    ...validity.validity,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: ISTIOD_DNS_NAME }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      rootKeyId ? new x509.AuthorityKeyIdentifierExtension(rootKeyId.keyId) : await x509.AuthorityKeyIdentifierExtension.create(root.publicKey),
    ],
  });
  return { certPem: pem(cert.rawData, 'CERTIFICATE'), keyPem: await privateKeyPem(keys.privateKey) };
}

function name(dn: DistinguishedName): x509.JsonName {
  return [{ O: [dn.organization] }, { CN: [dn.commonName] }];
}
