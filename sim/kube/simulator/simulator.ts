// What a cluster's nodes and kube-controller-manager would make of its objects, simulated
// for one ready control plane (sim/README.md, "Simulated nodes and controllers"): workload
// status, load-balancer addresses, service-account token Secrets and namespace
// finalization. Each is a controller over a watch; nothing else is ever written.
import type { ClusterPki } from '../pki.ts';
import { AdminClient, type KubeObject } from './admin-client.ts';
import { loadBalancers, type LoadBalancerCloud } from './load-balancers.ts';
import { namespaces } from './namespaces.ts';
import { Reflector, type Controller } from './reflector.ts';
import { tokenSecrets } from './token-secrets.ts';
import { daemonSets, deployments } from './workloads.ts';

export interface SimulatedCluster extends LoadBalancerCloud {
  port: number;
  pki: ClusterPki;
}

export interface Simulator {
  stop(): Promise<void>;
}

export function startSimulator(cluster: SimulatedCluster): Simulator {
  const client = new AdminClient(cluster.port, cluster.pki);
  const abort = new AbortController();
  const log = (line: string) => console.log(`cluster ${cluster.key}: ${line}`);
  const run = <T extends KubeObject>(controller: Controller<T>) => new Reflector(client, controller, abort.signal, log).run();
  const running = [
    run(deployments(client)),
    run(daemonSets(client)),
    run(loadBalancers(client, cluster)),
    run(tokenSecrets(client, cluster.pki.caPem)),
    run(namespaces(client)),
  ];
  return {
    async stop() {
      abort.abort();
      client.close(); // ends requests in flight too, so no loop waits for an answer
      await Promise.all(running);
    },
  };
}
