/**
 * Root CAs in Secrets Manager (reference/domain.md D; pitfall 15: CA keys stay out of
 * workflow history, which carries only the secret's name). A generated root is written
 * once, under rootSecretName(mesh), and never overwritten: storing again, as a retry
 * after a lost response does, returns the root already there, so a mesh never gets two.
 * A user's own root is read by reference through the same format: JSON {certPem, keyPem}.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import type { CloudClients } from '../cloud-clients.ts';
import { toFailure } from '../cloud-errors.ts';
import type { CaKeyPair } from './certificate-authority.ts';
import { inspectCertificate } from './certificate-inspection.ts';
import { matchingPrivateKey } from './keys.ts';

export type SecretsManagerClients = Pick<CloudClients, 'secretsManager'>;

export interface StoredRoot {
  root: CaKeyPair;
  /** False when the secret already held a root: that one is returned, the one given is discarded. */
  created: boolean;
}

export async function storeRoot(
  clients: SecretsManagerClients,
  region: string,
  name: string,
  root: CaKeyPair,
  tags: Record<string, string>,
): Promise<StoredRoot> {
  try {
    await clients.secretsManager(region).send(
      new CreateSecretCommand({
        Name: name,
        Description: 'cellbridge mesh root CA, JSON {certPem, keyPem}',
        SecretString: JSON.stringify({ certPem: root.certPem, keyPem: root.keyPem }),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return { root, created: true };
  } catch (error) {
    if (error instanceof ResourceExistsException) return { root: await readRoot(clients, region, name), created: false };
    // Deletion completes in the background, even when forced; the name is free again shortly.
    if (error instanceof InvalidRequestException && /scheduled for deletion/i.test(error.message)) {
      throw ApplicationFailure.retryable(`root CA secret ${name} in ${region} is still being deleted`, 'pki.RootSecretDeleting');
    }
    throw toFailure(error, `store root CA secret ${name} in ${region}`);
  }
}

/** The root in a secret (name or ARN). Missing or malformed: a non-retryable failure naming the secret. */
export async function readRoot(clients: SecretsManagerClients, region: string, secretId: string): Promise<CaKeyPair> {
  let secretString: string | undefined;
  try {
    secretString = (await clients.secretsManager(region).send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw ApplicationFailure.nonRetryable(`root CA secret ${secretId} does not exist in ${region}`, 'pki.RootSecretNotFound');
    }
    throw toFailure(error, `read root CA secret ${secretId} in ${region}`);
  }
  const parsed = parseRoot(secretString);
  if ('problem' in parsed) {
    throw ApplicationFailure.nonRetryable(
      `root CA secret ${secretId} in ${region} ${parsed.problem}; it must hold JSON {"certPem": "<CA certificate PEM>", "keyPem": "<its private key PEM>"}`,
      'pki.RootSecretMalformed',
    );
  }
  return parsed.root;
}

/**
 * Forced, without a recovery window: a window would keep the name taken, so a mesh
 * re-created under the same name could not store its new root for up to 30 days.
 */
export async function deleteRoot(clients: SecretsManagerClients, region: string, name: string): Promise<void> {
  try {
    await clients.secretsManager(region).send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return;
    throw toFailure(error, `delete root CA secret ${name} in ${region}`);
  }
}

// Problems are described in fixed words: parser messages can quote the secret's text.
function parseRoot(secretString: string | undefined): { root: CaKeyPair } | { problem: string } {
  if (secretString === undefined) return { problem: 'has no text value (SecretString)' };
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    return { problem: 'is not JSON' };
  }
  const { certPem, keyPem } = (value ?? {}) as { certPem?: unknown; keyPem?: unknown };
  if (typeof certPem !== 'string' || typeof keyPem !== 'string') return { problem: 'lacks the string fields certPem and keyPem' };
  try {
    if (!inspectCertificate(certPem).isCa) return { problem: 'holds a certificate that is not a CA (basicConstraints CA:TRUE)' };
  } catch {
    return { problem: 'has a certPem that is not a PEM certificate' };
  }
  try {
    matchingPrivateKey(certPem, keyPem);
  } catch (error) {
    return { problem: `has a keyPem that does not fit: ${(error as Error).message}` };
  }
  return { root: { certPem, keyPem } };
}
