/**
 * What each cloud can change in place, per resource kind of the mesh graph: the params
 * whose change forces the resource to be deleted and made again, and what traffic stops
 * while that happens. Anything not listed changes in place. Node references (`…Node`,
 * `…Nodes`) and names are identity: a different one is another resource.
 */
export interface ChangeRule {
  /** Params a change of which replaces the resource, each with the cloud's reason. */
  replaceOn: Record<string, string>;
  /** What a replacement (or deletion) interrupts; undefined when nothing carrying traffic stops. */
  interrupts?: string;
  /** What an in-place update interrupts, when it does. */
  updateInterrupts?: string;
}

const CROSS_CLOUD = 'cross-cloud traffic over the tunnels it carries';

export const CHANGE_RULES: Readonly<Record<string, ChangeRule>> = {
  'aws.vpc': { replaceOn: { cidr: "a VPC's primary CIDR block is fixed" }, interrupts: 'everything in the VPC, and cross-cloud traffic' },
  'aws.subnet': { replaceOn: { cidr: "a subnet's CIDR block is fixed", availabilityZone: "a subnet's zone is fixed" }, interrupts: 'everything in the subnet' },
  // The operator's: let go of, never deleted, so only what the mesh runs in it stops.
  'aws.existingVpc': { replaceOn: { vpcId: 'another VPC is another resource' }, interrupts: "the mesh's AWS cells and cross-cloud traffic (the operator's VPC and the rest in it are untouched)" },
  'aws.existingSubnet': { replaceOn: { subnetId: 'another subnet is another resource' }, interrupts: "the mesh's AWS cells in the subnet (the operator's subnet and the rest in it are untouched)" },
  'aws.transitGateway': { replaceOn: { amazonSideAsn: "a transit gateway's Amazon-side ASN cannot be modified" }, interrupts: 'all cross-cloud traffic (every tunnel ends on it)' },
  'aws.transitGatewayVpcAttachment': { replaceOn: {}, interrupts: 'all cross-cloud traffic of the VPC' },
  'aws.vpcRoute': { replaceOn: { destinationCidr: "a route's destination is its identity" }, interrupts: 'traffic from the VPC to Azure' },
  'aws.customerGateway': { replaceOn: { bgpAsn: 'a customer gateway cannot be modified', publicIpNode: 'a customer gateway cannot be modified' }, interrupts: CROSS_CLOUD },
  'aws.vpnConnection': { replaceOn: {}, interrupts: CROSS_CLOUD, updateInterrupts: 'each tunnel while its options are modified, one at a time' },
  'aws.iamRole': { replaceOn: { trustedService: 'the role is made for one service' } },
  'aws.eksCluster': {
    replaceOn: { serviceCidr: "an EKS cluster's service range is fixed at creation", cell: 'the cell is the cluster' },
    interrupts: 'every workload of the cell, and its part of the mesh',
  },
  'aws.eksAccessEntry': { replaceOn: {} },
  'aws.eksNodegroup': {
    replaceOn: { instanceType: "a managed node group's instance types are fixed", subnetNodes: "a managed node group's subnets are fixed" },
    interrupts: "the cell's workloads while new nodes come up",
  },
  'pki.rootCa': { replaceOn: { keyType: 'a root key is what it is: a new key type is a root rotation', userSupplied: 'a generated root and a referenced one are different roots', secretName: 'another root' } },
  'azure.resourceGroup': { replaceOn: {}, interrupts: 'everything of the mesh in Azure' },
  'azure.virtualNetwork': { replaceOn: {} },
  'azure.subnet': { replaceOn: { cidr: 'a subnet in use cannot change its prefix' }, interrupts: 'everything in the subnet' },
  'azure.publicIp': { replaceOn: {}, interrupts: CROSS_CLOUD },
  'azure.vpnGateway': {
    // Its custom APIPA BGP addresses (backbone.tunnelInsideCidrs) change by a PUT of the whole gateway.
    replaceOn: { subnetNode: 'a gateway lives in its GatewaySubnet' },
    interrupts: 'all four tunnels: cross-cloud traffic stops while the old gateway is deleted and a new one made, over an hour in Azure',
    updateInterrupts: 'BGP on all four tunnels while the gateway is updated',
  },
  'azure.localNetworkGateway': { replaceOn: {}, interrupts: 'the tunnel it describes', updateInterrupts: 'the tunnel it describes, while it is updated' },
  'azure.connection': {
    replaceOn: { localGatewayNode: "a connection's ends are fixed", gatewayNode: "a connection's ends are fixed" },
    interrupts: 'its tunnel',
    updateInterrupts: 'its tunnel, while it is updated',
  },
  'azure.aksCluster': {
    replaceOn: {
      cell: 'the cell is the cluster',
      subnetNode: "an AKS cluster's node subnet is fixed",
      podCidr: "an AKS cluster's pod range is fixed",
      serviceCidr: "an AKS cluster's service range is fixed",
      dnsServiceIp: "an AKS cluster's DNS service address is fixed",
      vmSize: "the system node pool's VM size is fixed",
    },
    interrupts: 'every workload of the cell, and its part of the mesh',
  },
};

/** Kubernetes objects and Helm releases change in place (apply, helm upgrade); a different target cluster is another object. */
const KUBERNETES: ChangeRule = { replaceOn: { cluster: 'another cluster', source: 'another cluster', target: 'another cluster', release: 'another release' } };

export function changeRule(kind: string): ChangeRule {
  if (kind.startsWith('kube.')) return KUBERNETES;
  const rule = CHANGE_RULES[kind];
  if (!rule) throw new Error(`domain/change-rules.ts has no change rule for resource kind ${kind}`);
  return rule;
}
