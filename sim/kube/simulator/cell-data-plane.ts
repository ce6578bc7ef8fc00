// What every real proxy of one cell shares (gateways.ts, sidecars.ts): the cell's network
// namespace, made with the first proxy, with a forwarder from `istiod.istio-system.svc:15012`
// (as pods call it) to the cluster's istiod on the host's loopback; and the ports handed to
// proxies inside the namespace, which all pods of the cell share as one loopback.
import type { Server } from 'node:net';
import { join } from 'node:path';
import { CloudNetwork } from '../../envoy/cloud-network.ts';
import { forwardTcp } from '../../envoy/tcp-forward.ts';
import type { HostsFile } from '../hosts-file.ts';
import type { AdminClient } from './admin-client.ts';
import type { ProxyHost } from './proxy-pod.ts';

const ISTIO_NAMESPACE = 'istio-system';
const XDS_PORT = 15012;
/** The first port handed to proxies inside a network namespace (below Istio's own 15000s, above the ephemeral range's floor). */
const FIRST_POD_PORT = 20_000;

export interface DataPlaneBinaries {
  pilotAgent: string;
  envoy: string;
  bootstrapTemplate: string;
}

export interface CellHost {
  clusterKey: string;
  /** Names the cell's network namespace uniquely on this machine (the pool's directory and the key). */
  networkOwner: string;
  client: AdminClient;
  hosts: HostsFile;
  binaries: DataPlaneBinaries;
  dir: string;
  logDir: string;
  /** The cluster's istiod, where it serves xDS right now. */
  xds(): { host: string; port: number } | undefined;
  log(line: string): void;
}

export interface CellDataPlane {
  proxyHost: ProxyHost;
  /** The cell's network namespace, made on first use. */
  network(): Promise<CloudNetwork>;
  /** A free port inside the namespace (for an application's own listener). */
  port(): number;
  stop(): Promise<void>;
}

export function cellDataPlane(host: CellHost): CellDataPlane {
  let network: Promise<CloudNetwork> | undefined;
  let forwarder: Server | undefined;
  let nextPort = FIRST_POD_PORT;

  const ensureNetwork = () => {
    network ??= (async () => {
      const made = await CloudNetwork.create(host.networkOwner);
      made.nameHost(`istiod.${ISTIO_NAMESPACE}.svc`);
      forwarder = await forwardTcp(made.hostAddress, XDS_PORT, host.xds);
      host.log(`network namespace ${made.name}: host end ${made.hostAddress} (istiod's xDS forwarded there), namespace end ${made.address}`);
      return made;
    })().catch((error: Error) => {
      network = undefined;
      throw error;
    });
    return network;
  };
  const port = () => nextPort++;
  return {
    proxyHost: {
      clusterKey: host.clusterKey,
      client: host.client,
      dir: join(host.dir, 'proxies'),
      logDir: host.logDir,
      pilotAgent: host.binaries.pilotAgent,
      envoy: host.binaries.envoy,
      bootstrapTemplate: host.binaries.bootstrapTemplate,
      network: ensureNetwork,
      ports: (count) => Array.from({ length: count }, port),
      discoveryAddress: `istiod.${ISTIO_NAMESPACE}.svc:${XDS_PORT}`,
      log: host.log,
    },
    network: ensureNetwork,
    port,
    async stop() {
      forwarder?.close();
      if (network) await (await network.catch(() => undefined))?.destroy();
    },
  };
}
