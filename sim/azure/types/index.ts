// Every emulated resource type. To add one, write its spec in a file beside these and
// list it here; a spec that needs an outside service gets it as an argument.
import type { KubePool } from '../kube-pool.js';
import { connection } from './connection.js';
import { localNetworkGateway } from './local-network-gateway.js';
import { managedCluster } from './managed-cluster.js';
import { publicIpAddress } from './public-ip-address.js';
import type { ResourceSpec } from './spec.js';
import { subnet } from './subnet.js';
import { virtualNetwork } from './virtual-network.js';
import { virtualNetworkGateway } from './virtual-network-gateway.js';

/** `kube`: the kube pool backing managed clusters; without it they cannot be created. */
export function resourceSpecs(kube: KubePool | undefined): ResourceSpec[] {
  return [
    virtualNetwork,
    subnet,
    publicIpAddress,
    virtualNetworkGateway,
    localNetworkGateway,
    connection,
    managedCluster(kube),
  ];
}
