// The pool's clusters by key. A key is made at most once at a time: a PUT that arrives
// while the same key is being deleted waits, so the two never share a directory or an
// etcd prefix.
import { ControlPlane, type ClusterRequest, type PoolContext } from './control-plane.ts';
import { HostsFile } from './hosts-file.ts';

export class KubePool {
  private readonly planes = new Map<string, Promise<ControlPlane>>();
  private readonly removals = new Map<string, Promise<void>>();

  private readonly context: PoolContext;

  constructor(context: Omit<PoolContext, 'hosts'> & { hosts?: HostsFile }) {
    this.context = { ...context, hosts: context.hosts ?? new HostsFile(context.dir) };
  }

  /** The hosts(5) file naming every EKS load balancer of the pool's clusters. */
  get hostsPath(): string {
    return this.context.hosts.path;
  }

  /** The control plane for `key`, started if it is not there (the request of a running one is not compared). */
  async put(key: string, request: ClusterRequest): Promise<ControlPlane> {
    while (this.removals.has(key)) await this.removals.get(key);
    let plane = this.planes.get(key);
    if (!plane) {
      const created = ControlPlane.create(key, request, this.context);
      this.planes.set(key, created);
      created.catch(() => this.planes.get(key) === created && this.planes.delete(key));
      plane = created;
    }
    return plane;
  }

  async get(key: string): Promise<ControlPlane | undefined> {
    return this.planes.get(key)?.catch(() => undefined);
  }

  /** Every cluster whose control plane started. */
  async all(): Promise<ControlPlane[]> {
    const planes = await Promise.all([...this.planes.values()].map((plane) => plane.catch(() => undefined)));
    return planes.filter((plane): plane is ControlPlane => plane !== undefined);
  }

  async delete(key: string): Promise<void> {
    const plane = this.planes.get(key);
    if (!plane) return this.removals.get(key);
    this.planes.delete(key);
    const removal = plane.then((p) => p.destroy(), () => undefined).finally(() => this.removals.delete(key));
    this.removals.set(key, removal);
    return removal;
  }

  /** Kills every API server (their data goes with the pool's etcd). */
  async stop(): Promise<void> {
    const planes = [...this.planes.values()];
    this.planes.clear();
    await Promise.all([...planes.map((plane) => plane.then((p) => p.kill(), () => undefined)), ...this.removals.values()]);
  }
}
