/**
 * What the clouds accept for a cluster, as of this release: the Kubernetes minor
 * versions in standard support and the VM sizes AKS refuses for a system node pool.
 * Kept in one place so validation and the README say the same thing.
 */
export const SUPPORTED_KUBERNETES_MINORS: Readonly<Record<'aws' | 'azure', readonly string[]>> = {
  aws: ['1.31', '1.32', '1.33', '1.34'],
  azure: ['1.31', '1.32', '1.33', '1.34'],
};

/** AKS system pools need at least 2 vCPUs and 4 GiB; these sizes have less. */
export const AKS_SYSTEM_POOL_TOO_SMALL: readonly string[] = [
  'Standard_A0', 'Standard_A1', 'Standard_A1_v2', 'Standard_B1ls', 'Standard_B1s', 'Standard_B1ms',
  'Standard_B2ats_v2', 'Standard_B2ts_v2', 'Standard_D1', 'Standard_D1_v2', 'Standard_DS1', 'Standard_DS1_v2', 'Standard_F1', 'Standard_F1s',
];

/** EKS managed node groups: at most 450 nodes each (service quota default). */
export const EKS_MAX_NODES_PER_GROUP = 450;
/** AKS: at most 1000 nodes per pool with Azure CNI overlay. */
export const AKS_MAX_NODES_PER_POOL = 1000;

/** EKS takes a minor version ("1.33"); AKS a minor or an exact patch ("1.33.2"). */
export function kubernetesMinor(cloud: 'aws' | 'azure', version: string): string | undefined {
  const match = (cloud === 'aws' ? /^(1\.\d{2})$/ : /^(1\.\d{2})(\.\d+)?$/).exec(version);
  return match?.[1];
}
