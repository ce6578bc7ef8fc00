// A managed cluster's agentPoolProfiles: AKS's naming and sizing rules, and the subnet
// (and so the VNet) the nodes live in. Nothing runs nodes: they exist only on paper.
import { badRequest, invalidParameter } from '../errors.js';
import { arr, num, obj, str, type Json } from '../json.js';
import type { Resource, Store } from '../store.js';
import { requireProvisioned } from './common.js';
import { resolveKubernetesVersion } from './aks-versions.js';
import { SUBNET_TYPE } from './subnet.js';

const NAME = /^[a-z][a-z0-9]{0,11}$/;
const MAX_COUNT = 1000;

export interface AgentPools {
  /** The profiles to store, AKS's defaults filled in. */
  profiles: Json[];
  /** The VNet of the pools' subnets; none when AKS manages the VNet. */
  vnet?: Resource;
}

export function checkAgentPools(store: Store, clusterId: string, value: unknown, clusterVersion: string): AgentPools {
  const requested = arr(value).map((p) => obj(p) ?? {});
  const names = new Set<string>();
  const subnets: (Resource | undefined)[] = [];
  const profiles = requested.map((p) => {
    const name = str(p.name) ?? '';
    if (!NAME.test(name)) {
      throw invalidParameter('agentPoolProfile.name',
        `The agent pool name ${JSON.stringify(name)} must start with a lowercase letter, have at most 12 characters and contain only lowercase letters and numbers. Please see https://aka.ms/aks-naming-rules for more details`);
    }
    if (names.has(name)) throw invalidParameter('agentPoolProfile.name', `agent pool names must be unique; ${name} appears twice`);
    names.add(name);
    const mode = str(p.mode) ?? 'User';
    if (mode !== 'System' && mode !== 'User') throw invalidParameter('agentPoolProfile.mode', `mode of agent pool ${name} must be System or User`);
    // User pools may scale to zero; the system pool hosts CoreDNS and must keep a node.
    const min = mode === 'System' ? 1 : 0;
    const count = p.count === undefined ? 1 : num(p.count);
    if (count === undefined || !Number.isInteger(count) || count < min || count > MAX_COUNT) {
      throw invalidParameter('agentPoolProfile.count',
        `count of agent pool ${name} is ${JSON.stringify(p.count)}; it must be an integer from ${min} to ${MAX_COUNT} for a ${mode} pool`);
    }
    if (!str(p.vmSize)) throw invalidParameter('agentPoolProfile.vmSize', `agent pool ${name} needs a vmSize`);
    subnets.push(poolSubnet(store, `${clusterId}/agentPools/${name}`, p.vnetSubnetID));
    const orchestratorVersion = str(p.orchestratorVersion) ?? clusterVersion;
    return {
      ...p,
      name,
      mode,
      count,
      osType: str(p.osType) ?? 'Linux',
      type: str(p.type) ?? 'VirtualMachineScaleSets',
      orchestratorVersion,
      currentOrchestratorVersion: resolveKubernetesVersion(orchestratorVersion),
    };
  });
  if (!profiles.some((p) => p.mode === 'System')) throw badRequest('MustDefineAtLeastOneSystemPool', 'Must define at least one system pool.');

  const withSubnet = subnets.filter((s): s is Resource => s !== undefined);
  if (withSubnet.length > 0 && withSubnet.length < subnets.length) {
    throw badRequest('AgentPoolsWithEmptySubnetError', 'Either all agent pools or none of them must specify vnetSubnetID.');
  }
  const vnetIds = new Set(withSubnet.map((s) => vnetIdOf(s.id).toLowerCase()));
  if (vnetIds.size > 1) throw invalidParameter('agentPoolProfile.vnetSubnetID', 'all agent pools must use subnets of the same virtual network');
  return { profiles, vnet: withSubnet[0] && store.get(vnetIdOf(withSubnet[0].id)) };
}

/** The subnet ids a stored cluster's pools use (what keeps those subnets from deletion). */
export function poolSubnetIds(properties: Json): string[] {
  return arr(properties.agentPoolProfiles).map((p) => str(obj(p)?.vnetSubnetID)).filter((id): id is string => id !== undefined);
}

function poolSubnet(store: Store, poolId: string, value: unknown): Resource | undefined {
  if (value === undefined) return undefined;
  const subnet = store.get(str(value));
  if (!subnet || subnet.type !== SUBNET_TYPE) {
    throw badRequest('SubnetNotFound', `The subnet ${JSON.stringify(value)} referenced by agent pool ${poolId} was not found.`);
  }
  requireProvisioned(subnet, poolId);
  return subnet;
}

function vnetIdOf(subnetId: string): string {
  return subnetId.replace(/\/subnets\/[^/]+$/i, '');
}
