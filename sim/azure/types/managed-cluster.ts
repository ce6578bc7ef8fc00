// AKS managed clusters. Each is backed by a real kube-apiserver in the kube pool
// (sim/README.md "Kubernetes control planes"): a PUT starts it, the operation succeeds
// once the emulated 7 minutes have passed and the pool reports it ready, and a DELETE
// stops it. Nodes exist only on paper.
import { createHash, randomUUID } from 'node:crypto';
import { kubeconfigYaml, type KubeconfigUser } from '../aks-kubeconfig.js';
import { ArmError, badRequest, invalidParameter } from '../errors.js';
import { arr, obj, str, type Json } from '../json.js';
import { KubePool } from '../kube-pool.js';
import type { NodePool } from '../../kube/node-pool.js';
import type { Resource, Store } from '../store.js';
import { regionOf } from '../engine.js';
import { checkAgentPools, poolSubnetIds } from './aks-agent-pools.js';
import { checkNetworkProfile } from './aks-network-profile.js';
import { DEFAULT_KUBERNETES_VERSION, resolveKubernetesVersion } from './aks-versions.js';
import { writable } from './common.js';
import { subnetPrefix } from './subnet.js';
import type { ResourceSpec } from './spec.js';

export const MANAGED_CLUSTER_TYPE = 'Microsoft.ContainerService/managedClusters';
/** The emulated Entra tenant that system-assigned identities belong to. */
const TENANT_ID = '00000000-0000-0000-0000-00000000a7e1';
const DNS_PREFIX = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$/;
/** The node subnet of a cluster whose VNet AKS manages itself. */
const MANAGED_VNET_NODE_CIDR = '10.224.0.0/16';
/** Fixed at creation: the control plane and the nodes' addressing are built from them. */
const IMMUTABLE = ['dnsPrefix', 'networkProfile.networkPlugin', 'networkProfile.serviceCidr', 'networkProfile.dnsServiceIP', 'networkProfile.podCidr'];

export function managedCluster(kube: KubePool | undefined): ResourceSpec {
  const pool = (): KubePool => {
    if (!kube) {
      throw new ArmError(501, 'KubePoolNotConfigured',
        'Managed clusters need the kube pool: start the emulator with --kube-url (sim/README.md "Kubernetes control planes").');
    }
    return kube;
  };

  // What the pool needs about a cluster's nodes, worked out where the store is at hand
  // (prepare) for provision, which only sees the resource.
  const networks = new Map<string, { nodeCidr: string; nodePools: NodePool[] }>();

  return {
    type: MANAGED_CLUSTER_TYPE,
    latency: { put: 420, delete: 300 },
    hasLocation: true,
    etagField: 'eTag',
    createState: 'Creating',
    prepare(ctx, req, existing) {
      pool();
      const p = req.properties;
      const dnsPrefix = str(p.dnsPrefix);
      if (dnsPrefix === undefined) throw badRequest('InvalidParameter', 'Required parameter dnsPrefix is missing (null).');
      if (!DNS_PREFIX.test(dnsPrefix)) {
        throw invalidParameter('dnsPrefix', `${JSON.stringify(dnsPrefix)} must be 1-54 letters, digits and hyphens, starting and ending with a letter or digit. Please see https://aka.ms/aks-naming-rules for more details`);
      }
      const kubernetesVersion = str(p.kubernetesVersion) || DEFAULT_KUBERNETES_VERSION;
      const currentKubernetesVersion = resolveKubernetesVersion(kubernetesVersion);
      const pools = checkAgentPools(ctx.store, req.id, p.agentPoolProfiles, kubernetesVersion);
      const networkProfile = checkNetworkProfile(ctx.store, p.networkProfile, pools.vnet);
      // Real AKS names the fqdn after the prefix and a hash; the hash of the id keeps it stable.
      const host = `${dnsPrefix}-${createHash('sha1').update(req.id.toLowerCase()).digest('hex').slice(0, 8)}`;
      const region = regionOf(req.location);
      const properties: Json = {
        ...writable(p, ['powerState', 'currentKubernetesVersion', 'fqdn', 'azurePortalFQDN', 'privateFQDN', 'maxAgentPools']),
        kubernetesVersion,
        currentKubernetesVersion,
        dnsPrefix,
        fqdn: `${host}.hcp.${region}.azmk8s.io`,
        azurePortalFQDN: `${host}.portal.hcp.${region}.azmk8s.io`,
        agentPoolProfiles: pools.profiles,
        nodeResourceGroup: str(p.nodeResourceGroup) ?? `MC_${req.group.name}_${req.name}_${region}`,
        enableRBAC: p.enableRBAC ?? true,
        disableLocalAccounts: p.disableLocalAccounts === true,
        networkProfile,
        maxAgentPools: 100,
        supportPlan: str(p.supportPlan) ?? 'KubernetesOfficial',
      };
      if (existing) checkImmutable(existing.properties, properties);
      networks.set(req.id.toLowerCase(), nodeNetwork(ctx.store, pools.profiles, networkProfile, region));
      return {
        properties,
        extra: {
          sku: obj(req.body.sku) ?? { name: 'Base', tier: 'Free' },
          ...(obj(req.body.identity) ? { identity: identityOf(obj(req.body.identity)!, existing) } : {}),
        },
      };
    },
    references: (resource) => poolSubnetIds(resource.properties).map((id) => ({ id })),
    render(_ctx, resource, properties) {
      properties.powerState = { code: 'Running' };
      properties.agentPoolProfiles = arr(properties.agentPoolProfiles).map((profile) => ({
        ...obj(profile),
        provisioningState: resource.provisioningState,
        powerState: { code: 'Running' },
      }));
    },
    async provision(resource) {
      const key = KubePool.keyOf(resource.id);
      const network = networks.get(resource.id.toLowerCase()) ?? { nodeCidr: MANAGED_VNET_NODE_CIDR, nodePools: [] };
      await pool().ensure(key, {
        name: resource.name,
        region: resource.location!,
        serviceCidr: String(obj(resource.properties.networkProfile)?.serviceCidr),
        ...network,
      });
      // A cluster that was there already keeps its control plane; its pools may have changed.
      for (const nodePool of network.nodePools) await pool().putNodePool(key, nodePool);
      await pool().waitReady(key);
    },
    async deprovision(resource) {
      await kube?.remove(KubePool.keyOf(resource.id));
    },
    actions: {
      listClusterAdminCredential: { method: 'POST', run: (_ctx, resource) => credentials(pool(), resource, 'clusterAdmin') },
      listClusterUserCredential: { method: 'POST', run: (_ctx, resource) => credentials(pool(), resource, 'clusterUser') },
    },
  };
}

/** CredentialResults with one base64 kubeconfig pointing at the cluster's control plane in the pool. */
async function credentials(kube: KubePool, cluster: Resource, role: 'clusterAdmin' | 'clusterUser'): Promise<Json> {
  const localAccounts = cluster.properties.disableLocalAccounts !== true;
  if (!localAccounts && role === 'clusterAdmin') {
    throw badRequest('BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.');
  }
  if (cluster.provisioningState !== 'Succeeded') {
    throw new ArmError(409, 'OperationNotAllowed',
      `Credentials of managed cluster ${cluster.name} are not available while its provisioning state is ${cluster.provisioningState}.`);
  }
  const plane = await kube.get(KubePool.keyOf(cluster.id));
  if (plane?.state !== 'ready' || !plane.adminCertPem || !plane.adminKeyPem) {
    throw new ArmError(500, 'ControlPlaneNotReady', `The control plane of managed cluster ${cluster.name} is not ready (kube pool state: ${plane?.state ?? 'absent'}).`);
  }
  // With local accounts disabled, users sign in with Entra ID through kubelogin, as on AKS.
  const user: KubeconfigUser = localAccounts
    ? { kind: 'certificate', certPem: plane.adminCertPem, keyPem: plane.adminKeyPem }
    : { kind: 'entra', tenantId: TENANT_ID };
  const yaml = kubeconfigYaml({
    clusterName: cluster.name,
    resourceGroup: cluster.id.split('/')[4]!,
    role,
    server: plane.endpoint,
    caPem: plane.caPem,
    user,
  });
  return { kubeconfigs: [{ name: role, value: Buffer.from(yaml).toString('base64') }] };
}

/**
 * The agent pools as nodes: each in its subnet (or AKS's own VNet), in its availability
 * zones (`<region>-<n>`; `0` without zones, as AKS labels such nodes), with the overlay pod
 * range when pods are not in the VNet.
 */
function nodeNetwork(store: Store, profiles: Json[], networkProfile: Json, region: string): { nodeCidr: string; nodePools: NodePool[] } {
  const cidrOf = (profile: Json) => {
    const subnet = str(profile.vnetSubnetID) && store.get(str(profile.vnetSubnetID)!);
    return (subnet && subnetPrefix(subnet.properties)) || MANAGED_VNET_NODE_CIDR;
  };
  const podCidr = str(networkProfile.podCidr);
  const nodePools = profiles.map((profile) => {
    const zones = arr(profile.availabilityZones).map((z) => `${region}-${String(z)}`);
    const cidr = cidrOf(profile);
    return {
      name: str(profile.name)!,
      count: Number(profile.count),
      instanceType: str(profile.vmSize)!,
      subnets: (zones.length ? zones : ['0']).map((zone) => ({ cidr, zone })),
      ...(podCidr ? { podCidr } : {}),
    };
  });
  const system = profiles.find((p) => p.mode === 'System') ?? profiles[0];
  return { nodeCidr: system ? cidrOf(system) : MANAGED_VNET_NODE_CIDR, nodePools };
}

/** A system-assigned identity gets its principal once and keeps it across updates. */
function identityOf(identity: Json, existing: Resource | undefined): Json {
  if (identity.type !== 'SystemAssigned') return identity;
  const before = obj(existing?.extra.identity);
  return {
    ...identity,
    principalId: str(before?.principalId) ?? randomUUID(),
    tenantId: TENANT_ID,
  };
}

function checkImmutable(before: Json, after: Json): void {
  for (const path of IMMUTABLE) {
    const read = (p: Json) => path.split('.').reduce<unknown>((v, k) => obj(v)?.[k], p);
    if (read(before) !== read(after)) throw badRequest('PropertyChangeNotAllowed', `Changing property '${path}' is not allowed.`);
  }
}
