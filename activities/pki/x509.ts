/**
 * @peculiar/x509, ready to use: the Reflect polyfill its dependency tsyringe demands is
 * loaded before it (ES modules evaluate imports in order), and it signs with Node's
 * WebCrypto.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };

/** PEM with a final newline, as files carry it, so bundles are plain concatenations. */
export function pem(der: BufferSource, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
  return `${x509.PemConverter.encode(der, label)}\n`;
}
