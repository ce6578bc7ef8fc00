// Every emulated resource type. To add one (AKS managedClusters next), write its spec
// in a file beside these and list it here.
import { connection } from './connection.js';
import { localNetworkGateway } from './local-network-gateway.js';
import { publicIpAddress } from './public-ip-address.js';
import type { ResourceSpec } from './spec.js';
import { subnet } from './subnet.js';
import { virtualNetwork } from './virtual-network.js';
import { virtualNetworkGateway } from './virtual-network-gateway.js';

export const RESOURCE_SPECS: readonly ResourceSpec[] = [
  virtualNetwork,
  subnet,
  publicIpAddress,
  virtualNetworkGateway,
  localNetworkGateway,
  connection,
];
