/**
 * pki.rootSecret names the user's own root CA. A root that cellbridge manages for a mesh
 * (generated, or the next root of a rotation) must never be taken over by reference:
 * another mesh would issue from it, and the owning mesh's teardown or rotation would
 * delete or replace it underneath. Refused here when the name shows it; the activity
 * that reads the root checks the secret's ownership tag as well (an ARN alias or a copy
 * under another name cannot be seen from the spec).
 */
import { isManagedSecretReference, MANAGED_SECRET_PREFIX, referencedSecretName } from './pki-profile.ts';
import type { Reporter } from './range-checker.ts';

export function checkRootSecret(reference: string | undefined, report: Reporter): void {
  if (reference === undefined || !isManagedSecretReference(reference)) return;
  report(
    '/pki/rootSecret',
    'pki.root-secret-managed',
    `${referencedSecretName(reference)} is under ${MANAGED_SECRET_PREFIX}, where cellbridge keeps the roots it manages for meshes (${MANAGED_SECRET_PREFIX}<mesh>/root-ca and, during a root rotation, …/root-ca-next); pki.rootSecret must name your own root CA secret`,
  );
}
