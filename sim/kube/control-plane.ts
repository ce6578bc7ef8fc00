// One emulated cluster's control plane: its PKI and port are fixed when it is asked for,
// so the pool can answer with endpoint and CA at once; the API server starts behind it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningProcess } from '../child-process.ts';
import { freePort } from '../ports.ts';
import { startApiServer, waitReady, type ApiServerSpec } from './apiserver.ts';
import type { Etcd } from './etcd.ts';
import type { HostsFile } from './hosts-file.ts';
import type { NodePool } from './node-pool.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { faultProxiesEnabled } from './faults.ts';
import { makeClusterPki, type ClusterPki } from './pki.ts';
import type { BackboneEnd } from '../envoy/backbone.ts';
import type { DataPlaneBinaries } from './simulator/cell-data-plane.ts';
import { startSimulator, type ProxyInfo, type Simulator } from './simulator/simulator.ts';

export interface ClusterRequest {
  flavor: 'eks' | 'aks';
  name: string;
  region: string;
  serviceCidr: string;
  /** The node subnet: where the simulator's internal AKS load balancers take their IPs. */
  nodeCidr: string;
  /** The nodes the simulator makes; node groups added later come through putNodePool. */
  nodePools: NodePool[];
}

export interface ClusterAnswer {
  key: string;
  state: 'starting' | 'ready' | 'failed';
  endpoint: string;
  caPem: string;
  adminCertPem?: string;
  adminKeyPem?: string;
  error?: string;
}

export interface PoolContext {
  apiServerBin: string;
  /** Each cluster keeps its files in `<dir>/clusters/<key>`. */
  dir: string;
  etcd: Etcd;
  /** `http://127.0.0.1:<port>`, for the EKS TokenReview webhook URL. */
  poolUrl: string;
  /** The pool's hosts file, where EKS load-balancer names are published. */
  hosts: HostsFile;
  /** The real istiod the simulator runs for every istiod Deployment, and where their logs go. */
  istiod: { bin: string; logDir: string; nameserver?: string };
  /** Set when the pool runs east-west gateways for real (`CELLBRIDGE_SIM_DATAPLANE=1`). */
  dataPlane?: DataPlaneBinaries;
  /** Moto's URL, where EKS load balancers keep their network interfaces. */
  awsEndpoint: string;
}

export class ControlPlane {
  private state: ClusterAnswer['state'] = 'starting';
  private error?: string;
  private removed = false;
  private simulator?: Simulator;
  private readonly nodePools: Map<string, NodePool>;
  private readonly server: Promise<RunningProcess | undefined>;

  private constructor(
    readonly key: string,
    readonly request: ClusterRequest,
    readonly pki: ClusterPki,
    private readonly spec: ApiServerSpec,
    private readonly context: PoolContext,
    /** Between the clients and the API server when the pool injects faults (faults.ts). */
    private readonly faultProxy?: FaultProxy,
  ) {
    this.nodePools = new Map(request.nodePools.map((p) => [p.name, p]));
    this.server = startApiServer(spec).catch((error: Error) => void this.fail(error.message));
    void this.watch();
  }

  static async create(key: string, request: ClusterRequest, context: PoolContext): Promise<ControlPlane> {
    const dir = join(context.dir, 'clusters', key);
    const [pki, port] = await Promise.all([makeClusterPki(dir), freePort()]);
    const spec: ApiServerSpec = {
      bin: context.apiServerBin,
      dir,
      port,
      etcdUrl: context.etcd.url,
      etcdPrefix: `/clusters/${key}`,
      pki,
      serviceCidr: request.serviceCidr,
      webhookUrl: request.flavor === 'eks' ? `${context.poolUrl}/webhook/eks/${key}` : undefined,
    };
    const faultProxy = faultProxiesEnabled() ? await startFaultProxy(key, port, pki) : undefined;
    return new ControlPlane(key, request, pki, spec, context, faultProxy);
  }

  answer(): ClusterAnswer {
    return {
      key: this.key,
      state: this.state,
      endpoint: `https://127.0.0.1:${this.faultProxy?.port ?? this.spec.port}`,
      caPem: this.pki.caPem,
      ...(this.request.flavor === 'aks' ? { adminCertPem: this.pki.adminCertPem, adminKeyPem: this.pki.adminKeyPem } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  /** Adds or replaces a node pool (an EKS node group, an AKS agent pool): the simulator makes its nodes. */
  putNodePool(pool: NodePool): void {
    this.nodePools.set(pool.name, pool);
    this.simulator?.setNodePools([...this.nodePools.values()]);
  }

  /** The proxies the simulator runs for the cluster's pods. */
  proxies(): Promise<ProxyInfo[]> {
    return this.simulator?.proxies() ?? Promise.resolve([]);
  }

  /** The cell as a backbone link sees it, once the cluster runs a data plane. */
  backboneEnd(): Promise<BackboneEnd | undefined> {
    return this.simulator?.backboneEnd() ?? Promise.resolve(undefined);
  }

  /** The pool's nodes are drained and go (their pods go back to Pending or elsewhere). */
  deleteNodePool(name: string): void {
    if (!this.nodePools.delete(name)) return;
    this.simulator?.setNodePools([...this.nodePools.values()]);
  }

  /** Stops the API server at once: a deleted (or abandoned) cluster has nothing to drain. */
  async kill(): Promise<void> {
    this.removed = true;
    await this.faultProxy?.close();
    await this.simulator?.stop();
    await (await this.server)?.stop('SIGKILL');
  }

  /** Stops the API server and removes everything it stored. */
  async destroy(): Promise<void> {
    await this.kill();
    this.context.hosts.delete(`${this.key}/`);
    await this.context.etcd.deletePrefix(`${this.spec.etcdPrefix}/`);
    rmSync(this.spec.dir, { recursive: true, force: true });
  }

  private async watch(): Promise<void> {
    const server = await this.server;
    if (!server) return;
    if (this.removed) return void (await server.stop('SIGKILL'));
    try {
      await waitReady(server, this.spec);
    } catch (error) {
      this.fail((error as Error).message);
      return void (await server.stop('SIGKILL'));
    }
    if (this.removed) return;
    this.state = 'ready';
    const { flavor, region, nodeCidr } = this.request;
    const simulator = startSimulator({ key: this.key, flavor, region, nodeCidr, port: this.spec.port, pki: this.pki, hosts: this.context.hosts, awsEndpoint: this.context.awsEndpoint, istiod: { ...this.context.istiod, dir: join(this.spec.dir, 'istiod') },
      ...(this.context.dataPlane ? { dataPlane: { binaries: this.context.dataPlane, dir: join(this.spec.dir, 'data-plane') } } : {}),
    }, [...this.nodePools.values()]);
    this.simulator = simulator;
    // A ready control plane that dies is a failed cluster, as the emulators should learn.
    server.child.once('exit', (code, signal) => {
      void simulator.stop();
      this.fail(`kube-apiserver exited (${code ?? signal}) after it was ready`);
    });
  }

  private fail(reason: string): void {
    if (this.removed) return;
    this.state = 'failed';
    this.error = reason;
    console.log(`cluster ${this.key} failed: ${reason}`);
  }
}
