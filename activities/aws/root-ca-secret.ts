/**
 * The mesh's root CA as a resource: generated once and kept in Secrets Manager (its key
 * never leaves this activity and the store), or the user's own root by reference, which
 * is read and never deleted. Only its fingerprint and expiry reach the workflow. A
 * generated root goes with the mesh together with the next root a root rotation may
 * have left beside it (activities/rotation/root-succession.ts).
 *
 * A user's root that is missing or unusable fails the mesh at its first step, with the
 * secret and what is wrong with it, and is no obstacle to rollback or teardown: a
 * reference that points nowhere was never the mesh's to delete. A reference that reaches
 * a root cellbridge manages (it carries cellbridge's mesh tag) is refused whatever name
 * or ARN reached it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { nextRootSecretName } from '../../domain/pki-profile.ts';
import { createRootCa } from '../pki/certificate-authority.ts';
import { inspectCertificate, type CertificateInfo } from '../pki/certificate-inspection.ts';
import { deleteRoot, readRoot, secretOwner, storeRoot, type SecretsManagerClients } from '../pki/root-store.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { MESH_TAG, NODE_TAG } from './tags.ts';

type Params = IstioParams['pki.rootCa'];

/** The root as found: its certificate, or why the secret holds no usable root. */
export type ObservedRoot = { root: CertificateInfo } | { problem: string };

const ABSENT = new Set(['pki.RootSecretNotFound', 'pki.RootSecretDeleting']);
const UNUSABLE = new Set(['pki.RootSecretMalformed', 'pki.RootSecretDeleting']);

export function rootCaHandler(clients: CloudClients): ResourceHandler<Params, ObservedRoot> {
  const region = (p: Params) => p.scope.aws.region;
  return {
    describe: ({ params }) => (params.userSupplied ? describeUserRoot(clients, region(params), params.secretName) : describeManagedRoot(clients, region(params), params.secretName)),
    async create({ id, params }) {
      if (params.userSupplied) {
        // describe found nothing: a reference is never created, only read.
        throw ApplicationFailure.nonRetryable(
          `root CA secret ${params.secretName} does not exist in ${region(params)}: pki.rootSecret must name an existing Secrets Manager secret there holding JSON {"certPem", "keyPem"}`,
          'pki.RootSecretNotFound',
        );
      }
      // No root means no rotation can be under way: a next root under this name is a leftover
      // of an earlier mesh of the same name, and a rotation would otherwise adopt it.
      await deleteRoot(clients, region(params), nextRootSecretName(params.secretName));
      const root = await createRootCa({ mesh: params.mesh, keyType: params.keyType, validityDays: params.validityDays, now: new Date() });
      // The root now in the store (this one, or the one an earlier attempt stored and storeRoot read back):
      // what a describe would find, so none is made to confirm it.
      const stored = await storeRoot(clients, region(params), params.secretName, root, { [MESH_TAG]: params.scope.mesh, [NODE_TAG]: id });
      return { root: inspectCertificate(stored.root.certPem) };
    },
    phase: (observed) => {
      if ('problem' in observed) return { is: 'failed', reason: observed.problem };
      return observed.root.isCa ? ready() : { is: 'failed', reason: 'the root secret holds a certificate that is not a CA' };
    },
    output: (observed) => {
      if ('problem' in observed) throw new Error(`no output for an unusable root: ${observed.problem}`);
      const { root } = observed;
      return { cloudId: root.subject, state: 'stored', attributes: { fingerprintSha256: root.fingerprintSha256, notAfter: root.notAfter } };
    },
    // A root rotation that failed keeps the next root beside the current one for a retry;
    // its key goes with the mesh, first, so a delete interrupted between the two leaves the
    // current root for describe to find and the retry to finish.
    async delete(_root, { params }) {
      await deleteRoot(clients, region(params), nextRootSecretName(params.secretName));
      await deleteRoot(clients, region(params), params.secretName);
    },
    ownership: (_root, { params }) => (params.userSupplied ? { is: 'referenced' } : { is: 'ours' }),
  };
}

/** A generated root: gone (or going, right after a forced delete) is absent; a damaged one is still ours to delete. */
async function describeManagedRoot(clients: SecretsManagerClients, region: string, secretName: string): Promise<ObservedRoot | undefined> {
  try {
    return { root: inspectCertificate((await readRoot(clients, region, secretName)).certPem) };
  } catch (error) {
    if (failureOf(error, ABSENT)) return undefined;
    if (failureOf(error, new Set(['pki.RootSecretMalformed']))) return { problem: (error as Error).message };
    throw error;
  }
}

/** The user's root: missing is absent (create then says so); anything else wrong is a problem the mesh fails on. */
async function describeUserRoot(clients: SecretsManagerClients, region: string, secretId: string): Promise<ObservedRoot | undefined> {
  const owner = await secretOwner(clients, region, secretId);
  if ('absent' in owner) {
    return owner.absent === 'missing' ? undefined : { problem: `root CA secret ${secretId} in ${region} is scheduled for deletion; restore it or name another in pki.rootSecret` };
  }
  if (owner.managedFor !== undefined) {
    return { problem: `root CA secret ${secretId} is a root cellbridge manages for mesh ${owner.managedFor} (tag ${MESH_TAG}); pki.rootSecret must name your own root CA` };
  }
  try {
    return { root: inspectCertificate((await readRoot(clients, region, secretId)).certPem) };
  } catch (error) {
    if (failureOf(error, new Set(['pki.RootSecretNotFound']))) return undefined;
    if (failureOf(error, UNUSABLE)) return { problem: (error as Error).message };
    throw error;
  }
}

function failureOf(error: unknown, types: ReadonlySet<string>): boolean {
  return error instanceof ApplicationFailure && error.type !== undefined && error.type !== null && types.has(error.type);
}
