// The Kubernetes versions the emulated AKS offers, as `az aks get-versions` lists them.
// Whatever the version, the kube pool runs the one kube-apiserver it builds (v1.34.4).
import { badRequest } from '../errors.js';

/** Supported minor versions and their newest patch. */
const NEWEST_PATCH: Record<string, number> = { '1.31': 13, '1.32': 9, '1.33': 5, '1.34': 4 };

/** What AKS picks when kubernetesVersion is left out: the newest minor but one. */
export const DEFAULT_KUBERNETES_VERSION = '1.33';

/** The patch version that runs a requested minor (`1.33`) or patch (`1.33.2`) version. */
export function resolveKubernetesVersion(requested: string): string {
  const m = /^(\d+\.\d+)(?:\.(\d+))?$/.exec(requested);
  const newest = m ? NEWEST_PATCH[m[1]!] : undefined;
  if (!m || newest === undefined || (m[2] !== undefined && Number(m[2]) > newest)) {
    throw badRequest('K8sVersionNotSupported',
      `Version ${requested} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list`);
  }
  return m[2] !== undefined ? requested : `${m[1]}.${newest}`;
}
