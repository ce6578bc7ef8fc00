/**
 * The mesh's root CA as a resource: generated once and kept in Secrets Manager (its key
 * never leaves this activity and the store), or the user's own root by reference, which
 * is read and never deleted. Only its fingerprint and expiry reach the workflow.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { createRootCa } from '../pki/certificate-authority.ts';
import { inspectCertificate, type CertificateInfo } from '../pki/certificate-inspection.ts';
import { deleteRoot, readRoot, storeRoot } from '../pki/root-store.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { MESH_TAG, NODE_TAG } from './tags.ts';

type Params = IstioParams['pki.rootCa'];

export function rootCaHandler(clients: CloudClients): ResourceHandler<Params, CertificateInfo> {
  const region = (p: Params) => p.scope.aws.region;
  return {
    async describe({ params }) {
      try {
        return inspectCertificate((await readRoot(clients, region(params), params.secretName)).certPem);
      } catch (error) {
        // A root the user named must exist: that failure is theirs to see, not "absent".
        // Right after a forced delete, AWS may still answer "marked for deletion": gone all the same.
        if (!params.userSupplied && error instanceof ApplicationFailure && (error.type === 'pki.RootSecretNotFound' || error.type === 'pki.RootSecretDeleting')) return undefined;
        throw error;
      }
    },
    async create({ id, params }) {
      const root = await createRootCa({ mesh: params.mesh, keyType: params.keyType, validityDays: params.validityDays, now: new Date() });
      await storeRoot(clients, region(params), params.secretName, root, { [MESH_TAG]: params.scope.mesh, [NODE_TAG]: id });
    },
    phase: (root) => (root.isCa ? ready() : { is: 'failed', reason: 'the root secret holds a certificate that is not a CA' }),
    output: (root) => ({ cloudId: root.subject, state: 'stored', attributes: { fingerprintSha256: root.fingerprintSha256, notAfter: root.notAfter } }),
    delete: async (_root, { params }) => deleteRoot(clients, region(params), params.secretName),
    owned: (_root, { params }) => !params.userSupplied,
  };
}
