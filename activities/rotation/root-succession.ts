/**
 * Root rotation in the secret store: the next root is generated once and kept beside
 * the current one (`…/root-ca-next`) while the clusters move over; only after phase 3
 * does it replace the current root, and the old key is gone.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import type { KeyType } from '../../domain/mesh-spec.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { createRootCa, type CaKeyPair } from '../pki/certificate-authority.ts';
import { nextRootSecretName } from '../../domain/pki-profile.ts';
import { inspectCertificate } from '../pki/certificate-inspection.ts';
import { deleteRoot, readRoot, storeRoot } from '../pki/root-store.ts';

export class RootSuccession {
  constructor(private readonly clients: CloudClients) {}

  /** Generates the next root, or returns the one a previous attempt stored. */
  async prepare(region: string, currentSecret: string, params: { mesh: string; keyType: KeyType; validityDays: number }): Promise<string> {
    const candidate = await createRootCa({ ...params, now: new Date() });
    const { root } = await storeRoot(this.clients, region, nextRootSecretName(currentSecret), candidate, { 'cellbridge:mesh': params.mesh, 'cellbridge:purpose': 'next-root' });
    return inspectCertificate(root.certPem).fingerprintSha256;
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
    await this.clients.secretsManager(region).send(new PutSecretValueCommand({ SecretId: currentSecret, SecretString: JSON.stringify({ certPem: next.certPem, keyPem: next.keyPem }) }));
    await deleteRoot(this.clients, region, nextRootSecretName(currentSecret));
    return inspectCertificate(next.certPem).fingerprintSha256;
  }
}
