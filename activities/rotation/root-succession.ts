/**
 * Root rotation in the secret store: the next root is generated once and kept beside
 * the current one (`…/root-ca-next`) while the clusters move over; only after phase 3
 * does it replace the current root, and the old key is gone. A next root a failed
 * rotation left is reused only if it is of the spec's key type (domain/next-root.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { KeyType } from '../../domain/mesh-spec.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { createRootCa, type CaKeyPair } from '../pki/certificate-authority.ts';
import { nextRootFate } from '../../domain/next-root.ts';
import { nextRootSecretName } from '../../domain/pki-profile.ts';
import { inspectCertificate } from '../pki/certificate-inspection.ts';
import { deleteRoot, overwriteRoot, readRoot, storeRoot } from '../pki/root-store.ts';

export class RootSuccession {
  constructor(private readonly clients: CloudClients) {}

  /**
   * Generates the next root, or returns the one a previous attempt stored if it is of the
   * key type asked for; one of another key type is overwritten in place (one write, so a
   * retry finds either the old root, and replaces it, or the new one, and keeps it).
   * A stored root that does not parse fails naming the secret (pki.RootSecretMalformed).
   */
  async prepare(region: string, currentSecret: string, params: { mesh: string; keyType: KeyType; validityDays: number }): Promise<string> {
    const name = nextRootSecretName(currentSecret);
    const stored = await this.storedNext(region, name);
    const fate = nextRootFate(stored && inspectCertificate(stored.certPem).key, params.keyType);
    if (fate.is === 'reuse') return inspectCertificate(stored!.certPem).fingerprintSha256;
    const candidate = await createRootCa({ ...params, now: new Date() });
    if (fate.is === 'replace') {
      await overwriteRoot(this.clients, region, name, candidate);
      return inspectCertificate(candidate.certPem).fingerprintSha256;
    }
    const { root } = await storeRoot(this.clients, region, name, candidate, { 'cellbridge:mesh': params.mesh, 'cellbridge:purpose': 'next-root' });
    return inspectCertificate(root.certPem).fingerprintSha256;
  }

  /** The next root in the store; none while its secret is missing or still being deleted (storing then waits for the name). */
  private async storedNext(region: string, name: string): Promise<CaKeyPair | undefined> {
    try {
      return await readRoot(this.clients, region, name);
    } catch (error) {
      if (error instanceof ApplicationFailure && (error.type === 'pki.RootSecretNotFound' || error.type === 'pki.RootSecretDeleting')) return undefined;
      throw error;
    }
  }

  async roots(region: string, currentSecret: string): Promise<{ current: CaKeyPair; next: CaKeyPair }> {
    const [current, next] = await Promise.all([readRoot(this.clients, region, currentSecret), readRoot(this.clients, region, nextRootSecretName(currentSecret))]);
    return { current, next };
  }

  /** After phase 3: the next root becomes the mesh's root, and the old key is retired. */
  async promote(region: string, currentSecret: string): Promise<string> {
    let next: CaKeyPair;
    try {
      next = await readRoot(this.clients, region, nextRootSecretName(currentSecret));
    } catch (error) {
      // Promoted by an earlier attempt whose result was lost: the current root is already the new one.
      if (error instanceof ApplicationFailure && error.type === 'pki.RootSecretNotFound') return inspectCertificate((await readRoot(this.clients, region, currentSecret)).certPem).fingerprintSha256;
      throw error;
    }
    await overwriteRoot(this.clients, region, currentSecret, next);
    await deleteRoot(this.clients, region, nextRootSecretName(currentSecret));
    return inspectCertificate(next.certPem).fingerprintSha256;
  }
}
