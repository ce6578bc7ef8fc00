/**
 * CA key pairs: generated in WebCrypto for the spec's key type, written as PKCS#8, and
 * read back from any PEM form istiod accepts (a user's root may be PKCS#1 or SEC 1).
 * Errors name the problem, never the key.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { KeyType } from '../../domain/mesh-spec.ts';
import { pem } from './x509.ts';

// SHA-256 in both: Go ≥ 1.18, and so istiod, rejects SHA-1 signatures.
const GENERATE: Record<KeyType, EcKeyGenParams | RsaHashedKeyGenParams> = {
  ECDSA_P256: { name: 'ECDSA', namedCurve: 'P-256' },
  RSA_4096: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

/** Node's curve names, as WebCrypto spells them. */
const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };

export async function generateKeyPair(keyType: KeyType): Promise<CryptoKeyPair> {
  // Extractable: the private key is written into the cacerts secret and the root store.
  return (await crypto.subtle.generateKey(GENERATE[keyType], true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 (`PRIVATE KEY`), one of the three PEM forms istiod reads. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** The key, if it is the private half of the certificate's public key; throws otherwise. */
export function matchingPrivateKey(certPem: string, keyPem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error('the private key is not a PEM private key (PKCS#8, PKCS#1 or SEC 1)');
  }
  if (!new X509Certificate(certPem).checkPrivateKey(key)) throw new Error('the private key does not belong to the certificate');
  return key;
}

/** A CA's key, checked against its certificate, as a WebCrypto signing key. */
export async function signingKey(certPem: string, keyPem: string): Promise<CryptoKey> {
  const key = matchingPrivateKey(certPem, keyPem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  return crypto.subtle.importKey('pkcs8', pkcs8, signingAlgorithm(key), false, ['sign']);
}

function signingAlgorithm(key: KeyObject): EcKeyImportParams | RsaHashedImportParams {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const curve = key.asymmetricKeyType === 'ec' ? CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!curve) {
    const kind = [key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve].filter(Boolean).join(' ');
    throw new Error(`unsupported CA key (${kind}): istiod takes RSA or ECDSA P-256/P-384 keys`);
  }
  return { name: 'ECDSA', namedCurve: curve };
}
