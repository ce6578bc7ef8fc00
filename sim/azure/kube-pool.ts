// Client of the kube pool (sim/README.md "Kubernetes control planes"): the process that
// runs a real kube-apiserver for every emulated managed cluster.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterAnswer } from '../kube/control-plane.js';
import type { NodePool } from '../kube/node-pool.js';
import { ArmError } from './errors.js';

export interface ControlPlaneRequest {
  name: string;
  region: string;
  serviceCidr: string;
  /** The node subnet's prefix: internal load balancers take their frontend IPs from it. */
  nodeCidr: string;
  /** The agent pools (their nodes, zones and pod ranges). */
  nodePools: NodePool[];
}

const REQUEST_TIMEOUT_MS = 10_000;
const POLL_MS = 250;
/** Wall-clock bound on a control plane's start: kube-apiserver takes seconds, not minutes. */
const READY_TIMEOUT_MS = 180_000;

export class KubePool {
  private readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  /** The pool key of an AKS cluster: `aks-` and 16 hex of the SHA-1 of its lower-cased ARM id. */
  static keyOf(armId: string): string {
    return `aks-${createHash('sha1').update(armId.toLowerCase()).digest('hex').slice(0, 16)}`;
  }

  /** Starts the control plane if it is not there (idempotent); answers before it is ready. */
  async ensure(key: string, req: ControlPlaneRequest): Promise<ClusterAnswer> {
    return (await this.call('PUT', key, { flavor: 'aks', ...req }))!;
  }

  /** Adds or resizes an agent pool's nodes on a control plane the pool knows. */
  async putNodePool(key: string, { name, ...pool }: NodePool): Promise<void> {
    await this.call('PUT', `${key}/node-pools/${name}`, pool);
  }

  /** The control plane, or undefined when the pool does not know the key. */
  get(key: string): Promise<ClusterAnswer | undefined> {
    return this.call('GET', key);
  }

  async remove(key: string): Promise<void> {
    await this.call('DELETE', key);
  }

  /** Polls until the pool reports `ready`; throws an ArmError when it fails, vanishes or takes too long. */
  async waitReady(key: string): Promise<ClusterAnswer> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const plane = await this.get(key);
      if (!plane) throw provisioningError(`the control plane ${key} was removed while it started`);
      if (plane.state === 'ready') return plane;
      if (plane.state === 'failed') throw provisioningError(plane.error ?? 'the control plane failed to start');
      if (Date.now() > deadline) {
        throw new ArmError(500, 'ControlPlaneProvisioningTimeout', `The control plane ${key} was not ready within ${READY_TIMEOUT_MS / 1000} s.`);
      }
      await sleep(POLL_MS);
    }
  }

  private async call(method: string, key: string, body?: unknown): Promise<ClusterAnswer | undefined> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/clusters/${key}`, {
        method,
        headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw provisioningError(`the kube pool at ${this.url} did not answer ${method}: ${String(e)}`);
    }
    if (res.status === 404 && method === 'GET') return undefined;
    if (res.status === 204) return undefined;
    if (!res.ok) throw provisioningError(`the kube pool answered ${method} with ${res.status}: ${await res.text()}`);
    return (await res.json()) as ClusterAnswer;
  }
}

function provisioningError(detail: string): ArmError {
  return new ArmError(500, 'ProvisioningControlPlaneError', `Provisioning of the cluster's control plane failed: ${detail}.`);
}
