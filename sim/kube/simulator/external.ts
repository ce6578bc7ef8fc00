// Workloads whose readiness something other than the simulator knows: a controller that
// runs a real process for a Deployment (such as istiod) registers it here. The simulator
// still makes the workload's ReplicaSet and pods, but then writes neither the workload's
// status nor its pods' Ready condition on its own: the pods are Ready exactly when the
// registered probe says so, and the workload's status is left to the registrant.

export type WorkloadKind = 'Deployment' | 'DaemonSet';

type Probe = () => boolean;

export class ExternalReadiness {
  private readonly probes = new Map<string, Probe>();
  private readonly listeners = new Set<(kind: WorkloadKind, namespace: string, name: string) => void>();

  /** From now on `ready` decides; call `changed` whenever its answer may have changed. Returns the unregister function. */
  register(kind: WorkloadKind, namespace: string, name: string, ready: Probe): () => void {
    const key = keyOf(kind, namespace, name);
    this.probes.set(key, ready);
    this.changed(kind, namespace, name);
    return () => {
      if (this.probes.get(key) !== ready) return;
      this.probes.delete(key);
      this.changed(kind, namespace, name);
    };
  }

  /** True when the workload's status is written by its registrant, not by the simulator. */
  owns(kind: WorkloadKind, namespace: string, name: string): boolean {
    return this.probes.has(keyOf(kind, namespace, name));
  }

  /** The registrant's answer, or undefined when the simulator decides (a scheduled pod is ready). */
  ready(kind: WorkloadKind, namespace: string, name: string): boolean | undefined {
    return this.probes.get(keyOf(kind, namespace, name))?.();
  }

  /** Tells the simulator to look at the workload's pods again. */
  changed(kind: WorkloadKind, namespace: string, name: string): void {
    for (const listener of this.listeners) listener(kind, namespace, name);
  }

  onChange(listener: (kind: WorkloadKind, namespace: string, name: string) => void): void {
    this.listeners.add(listener);
  }
}

function keyOf(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * Services whose EndpointSlices something else writes (a controller that runs the real
 * process behind a Service, on an address of its own): the endpoint-slice controller leaves
 * them alone, so the API server never routes to a simulated pod address for them.
 */
export class ExternalEndpoints {
  private readonly services = new Set<string>();

  register(namespace: string, name: string): () => void {
    const key = `${namespace}/${name}`;
    this.services.add(key);
    return () => void this.services.delete(key);
  }

  owns(namespace: string, name: string): boolean {
    return this.services.has(`${namespace}/${name}`);
  }
}
