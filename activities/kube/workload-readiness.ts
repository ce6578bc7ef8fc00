/** When a workload counts as up: every replica ready (the node simulator reports it so locally). */
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';

export function deploymentReady(d: V1Deployment | undefined): boolean {
  return d !== undefined && (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1);
}

export function daemonSetReady(ds: V1DaemonSet | undefined): boolean {
  return ds !== undefined && (ds.status?.desiredNumberScheduled ?? 0) > 0 && ds.status?.numberReady === ds.status?.desiredNumberScheduled;
}
