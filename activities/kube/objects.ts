/**
 * Kubernetes objects the way the orchestrator manages them: server-side apply with one
 * field manager (idempotent, converges drift, no read-modify-write races), reads that
 * say "absent" instead of throwing, deletes where absent is success.
 */
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';

export const FIELD_MANAGER = 'cellbridge';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export function objectApi(config: KubeConfig): KubernetesObjectApi {
  return KubernetesObjectApi.makeApiClient(config);
}

export async function applyObject<T extends KubernetesObject>(api: KubernetesObjectApi, object: T): Promise<T> {
  return kindServed(object, () => api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply));
}

export async function readObject<T extends KubernetesObject>(api: KubernetesObjectApi, ref: ObjectRef): Promise<T | undefined> {
  try {
    return await kindServed(ref, () => api.read<T>(ref as T & ObjectRef));
  } catch (error) {
    if (isKubeNotFound(error)) return undefined;
    throw error;
  }
}

export async function deleteObject(api: KubernetesObjectApi, ref: ObjectRef): Promise<void> {
  try {
    await kindServed(ref, () => api.delete(ref as KubernetesObject));
  } catch (error) {
    if (!isKubeNotFound(error)) throw error;
  }
}

/**
 * A kind the API server does not serve yet (a CRD just installed, not yet established)
 * is worth retrying; the client reports it as a plain error.
 */
async function kindServed<T>(ref: { apiVersion?: string; kind?: string }, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (/^Unrecognized API version and kind/.test((error as Error).message ?? '')) {
      throw ApplicationFailure.retryable(`${ref.apiVersion} ${ref.kind} is not served (yet) by this API server`, 'KubeKindNotServed');
    }
    throw error;
  }
}

export function isKubeNotFound(error: unknown): boolean {
  const e = error as { code?: number; statusCode?: number; body?: unknown };
  return e.code === 404 || e.statusCode === 404;
}
