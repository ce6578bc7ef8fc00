/**
 * Root CAs in Secrets Manager (docs/domain-rules.md, "Plugged-in CA and rotation"; and
 * "Pitfall: secrets stay out of history": CA keys stay out of workflow history, which
 * carries only the secret's name). A generated root is written once, under
 * rootSecretName(mesh), and never overwritten: storing again, as a retry after a lost
 * response does, returns the root already there, so a mesh never gets two. A user's own
 * root is read by reference through the same format: JSON {certPem, keyPem}.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import { MESH_TAG } from '../aws/tags.ts';
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
        SecretString: secretString(root),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return { root, created: true };
  } catch (error) {
    if (pendingDeletion(error)) throw stillDeleting(name, region);
    if (!(error instanceof ResourceExistsException)) throw toFailure(error, `store root CA secret ${name} in ${region}`);
  }
  const found = await secretText(clients, region, name);
  // Gone or going since the create said it exists: the name frees up, and a retry creates it.
  if ('absent' in found) throw stillDeleting(name, region);
  return { root: parseRoot(name, region, found.text), created: false };
}

/** The root in a secret (name or ARN). Missing, being deleted or malformed: a non-retryable failure naming the secret. */
/** Writes `root` over what the secret holds: a root rotation's promotion, or a stale next root replaced. */
export async function overwriteRoot(clients: SecretsManagerClients, region: string, secretId: string, root: CaKeyPair): Promise<void> {
  await clients.secretsManager(region).send(new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString(root) }));
}

function secretString(root: CaKeyPair): string {
  return JSON.stringify({ certPem: root.certPem, keyPem: root.keyPem });
}

export async function readRoot(clients: SecretsManagerClients, region: string, secretId: string): Promise<CaKeyPair> {
  const found = await secretText(clients, region, secretId);
  if ('absent' in found) {
    throw found.absent === 'missing'
      ? ApplicationFailure.nonRetryable(`root CA secret ${secretId} does not exist in ${region}`, 'pki.RootSecretNotFound')
      : ApplicationFailure.nonRetryable(`root CA secret ${secretId} in ${region} is scheduled for deletion; restore it or name another`, 'pki.RootSecretDeleting');
  }
  return parseRoot(secretId, region, found.text);
}

/**
 * Whose a secret is, by its tags: cellbridge tags every root it stores with the mesh it
 * manages it for, so a secret carrying that tag is never a user's own root, whatever
 * name or ARN reached it.
 */
export async function secretOwner(clients: SecretsManagerClients, region: string, secretId: string): Promise<{ absent: 'missing' | 'deleting' } | { managedFor: string | undefined }> {
  try {
    const secret = await clients.secretsManager(region).send(new DescribeSecretCommand({ SecretId: secretId }));
    if (secret.DeletedDate !== undefined) return { absent: 'deleting' };
    return { managedFor: secret.Tags?.find((t) => t.Key === MESH_TAG)?.Value };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { absent: 'missing' };
    if (pendingDeletion(error)) return { absent: 'deleting' };
    throw toFailure(error, `describe root CA secret ${secretId} in ${region}`);
  }
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

/** The secret's text (undefined for a binary secret), or why there is none. */
async function secretText(clients: SecretsManagerClients, region: string, secretId: string): Promise<{ text: string | undefined } | { absent: 'missing' | 'deleting' }> {
  try {
    return { text: (await clients.secretsManager(region).send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { absent: 'missing' };
    if (pendingDeletion(error)) return { absent: 'deleting' };
    throw toFailure(error, `read root CA secret ${secretId} in ${region}`);
  }
}

/**
 * Deleting a secret completes in the background, even when forced, and a recovery window
 * keeps it for days; meanwhile AWS refuses to create or read it, saying "scheduled for
 * deletion" or "marked for deletion" (Moto: "marked deleted").
 */
function pendingDeletion(error: unknown): boolean {
  return error instanceof InvalidRequestException && /(scheduled|marked) for deletion|marked deleted/i.test(error.message);
}

function stillDeleting(name: string, region: string): ApplicationFailure {
  return ApplicationFailure.retryable(`root CA secret ${name} in ${region} is still being deleted`, 'pki.RootSecretDeleting');
}

function parseRoot(secretId: string, region: string, secretString: string | undefined): CaKeyPair {
  const parsed = checkRoot(secretString);
  if ('problem' in parsed) {
    throw ApplicationFailure.nonRetryable(
      `root CA secret ${secretId} in ${region} ${parsed.problem}; it must hold JSON {"certPem": "<CA certificate PEM>", "keyPem": "<its private key PEM>"}`,
      'pki.RootSecretMalformed',
    );
  }
  return parsed.root;
}

// Problems are described in fixed words: parser messages can quote the secret's text.
function checkRoot(secretString: string | undefined): { root: CaKeyPair } | { problem: string } {
  if (secretString === undefined) return { problem: 'has no text value (SecretString)' };
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'is JSON but not an object' };
  const { certPem, keyPem } = value as { certPem?: unknown; keyPem?: unknown };
  if (typeof certPem !== 'string') return { problem: 'has no certPem (a string field)' };
  if (typeof keyPem !== 'string') return { problem: 'has no keyPem (a string field)' };
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
