/**
 * The mesh spec, version cellbridge.io/v1alpha1. `MeshSpecInput` is what a user sends
 * (optional fields may be left out); `MeshSpec` is the same with every default filled
 * in, and is what workflows receive. The JSON Schema in schema/ mirrors these types.
 */

import { hostAddress, parseCidr } from './cidr.ts';
import { DRIFT_DEFAULTS, type DriftSettings } from './drift.ts';
import { PROVING_GROUND_ISTIO } from './istio-versions.ts';

export const API_VERSION = 'cellbridge.io/v1alpha1';

export interface MeshSpecInput {
  apiVersion: typeof API_VERSION;
  name: string;
  aws: {
    region: string;
    transitGatewayAsn?: number;
    vpc: AwsVpcInput;
  };
  azure: {
    subscriptionId: string;
    location: string;
    resourceGroup?: string;
    gatewayAsn?: number;
    vnet: { cidr: string; gatewaySubnetCidr: string };
  };
  /** The Kubernetes clusters of the mesh, one or more per cloud. */
  cells?: CellInput[];
  istio?: IstioInput;
  pki?: PkiInput;
  /** Cross-cloud failover, as DestinationRules applied in every cluster. */
  trafficPolicies?: TrafficPolicyInput[];
  /** How drift is checked and what is done about it (domain/drift.ts). */
  drift?: Partial<DriftSettings>;
  backbone?: {
    /** Four /30s: connection 0 tunnel 1, connection 0 tunnel 2, connection 1 tunnel 1, connection 1 tunnel 2. */
    tunnelInsideCidrs?: string[];
    bgpTimeoutSeconds?: number;
  };
}

/** One cluster: EKS in the mesh VPC, or AKS in a dedicated subnet of the mesh VNet. */
export interface CellInput {
  name: string;
  cloud: 'aws' | 'azure';
  /** Defaults to the mesh's AWS region or Azure location, the only value allowed. */
  region?: string;
  kubernetesVersion: string;
  /** The Istio network the cluster belongs to; default `<cloud>-network`. */
  network?: string;
  nodePool: { count: number; instanceType?: string; vmSize?: string };
  /** Azure only (CNI overlay); EKS pods take VPC addresses from the VPC CNI. */
  podCidr?: string;
  serviceCidr: string;
  /** Azure only; default the 10th address of serviceCidr. */
  dnsServiceIp?: string;
  /** Azure only: the cluster's own subnet inside the VNet. */
  subnetCidr?: string;
}

export interface IstioInput {
  /** One of the Istio releases the deployment configures (domain/istio-releases.ts); validation fills in the first. */
  version?: string;
  meshId?: string;
  trustDomain?: string;
  dataplane?: 'sidecar' | 'ambient';
}

export type Istio = Required<IstioInput>;

export type KeyType = 'ECDSA_P256' | 'RSA_4096';

export interface PkiInput {
  keyType?: KeyType;
  rootValidityDays?: number;
  intermediateValidityDays?: number;
  /** A root CA the user keeps, by reference: a Secrets Manager secret (name or ARN, in aws.region) holding {certPem, keyPem}. */
  rootSecret?: string;
  /** Verification fails when an intermediate expires sooner than this. */
  verificationMarginDays?: number;
  rotation?: Partial<RotationSettings>;
}

export interface RotationSettings {
  /** How often the schedule rotates every intermediate (well before they expire). */
  intervalHours: number;
  /** Random delay added to each scheduled run, so meshes do not rotate in lockstep. */
  jitterMinutes: number;
  /** The longest istiod may take to show it took a cacerts write (domain/rotation-pickup.ts); the rotation goes on as soon as it does. */
  pickupSeconds: number;
  /** Root rotation phase 2 waits this long (one workload certificate lifetime) before dropping the old root. */
  workloadCertTtlSeconds: number;
}

export interface Pki {
  keyType: KeyType;
  rootValidityDays: number;
  intermediateValidityDays: number;
  rootSecret?: string;
  verificationMarginDays: number;
  rotation: RotationSettings;
}

export interface OutlierDetection {
  consecutive5xxErrors: number;
  interval: string;
  baseEjectionTime: string;
  maxEjectionPercent: number;
}

export interface TrafficPolicyInput {
  name: string;
  namespace?: string;
  /** The service, as a fully qualified host (reviews.default.svc.cluster.local). */
  host: string;
  failover?: { from: string; to: string }[];
  failoverPriority?: string[];
  outlierDetection?: Partial<OutlierDetection>;
}

export interface TrafficPolicy {
  name: string;
  namespace: string;
  host: string;
  failover?: { from: string; to: string }[];
  failoverPriority?: string[];
  outlierDetection: OutlierDetection;
}

export interface EksCell {
  cloud: 'aws';
  name: string;
  region: string;
  kubernetesVersion: string;
  network: string;
  nodePool: { count: number; instanceType: string };
  serviceCidr: string;
}

export interface AksCell {
  cloud: 'azure';
  name: string;
  region: string;
  kubernetesVersion: string;
  network: string;
  nodePool: { count: number; vmSize: string };
  podCidr: string;
  serviceCidr: string;
  dnsServiceIp: string;
  subnetCidr: string;
}

export type Cell = EksCell | AksCell;

/** Either a VPC that cellbridge creates (`subnets`), or an existing one it only attaches to. */
export interface AwsVpcInput {
  cidr: string;
  subnets?: { cidr: string; availabilityZone?: string }[];
  existingVpcId?: string;
  existingSubnetIds?: string[];
}

export type AwsVpc =
  | { mode: 'create'; cidr: string; subnets: { cidr: string; availabilityZone: string }[] }
  | { mode: 'existing'; cidr: string; vpcId: string; subnetIds: string[] };

export interface MeshSpec {
  apiVersion: typeof API_VERSION;
  name: string;
  aws: { region: string; transitGatewayAsn: number; vpc: AwsVpc };
  azure: {
    subscriptionId: string;
    location: string;
    resourceGroup: string;
    gatewayAsn: number;
    vnet: { cidr: string; gatewaySubnetCidr: string };
  };
  cells: Cell[];
  istio: Istio;
  pki: Pki;
  trafficPolicies: TrafficPolicy[];
  backbone: { tunnelInsideCidrs: [string, string, string, string]; bgpTimeoutSeconds: number };
  /** Absent only in the specs of meshes that were running before drift checks existed: the defaults apply (driftSettings). */
  drift?: DriftSettings;
}

/** The drift settings a mesh runs with. */
export function driftSettings(spec: MeshSpec): DriftSettings {
  return spec.drift ?? DRIFT_DEFAULTS;
}

export const DEFAULTS = {
  transitGatewayAsn: 64512,
  azureGatewayAsn: 65010,
  /** Microsoft's reference plan for AWS ↔ Azure active-active (docs/domain-rules.md, "Backbone topology"). */
  tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'] as [string, string, string, string],
  bgpTimeoutSeconds: 1800,
  /** version: validateSpec gives a spec naming none the deployment's first release; this is the proving ground's. */
  istio: { version: PROVING_GROUND_ISTIO.version, trustDomain: 'cluster.local', dataplane: 'sidecar' as const },
  pki: { keyType: 'ECDSA_P256' as const, rootValidityDays: 3650, intermediateValidityDays: 365, verificationMarginDays: 90 },
  /**
   * Monthly: an intermediate of a year is rotated about twelve times before it could expire.
   * pickupSeconds only bounds the wait for istiod's evidence: a kubelet refreshes a mounted
   * Secret within its sync period plus its cache TTL (a minute each by default) before
   * istiod can reload it, so anything under about two minutes fails healthy rotations.
   */
  rotation: { intervalHours: 720, jitterMinutes: 60, pickupSeconds: 180, workloadCertTtlSeconds: 86_400 },
  /** The Istio failover task's values, with full ejection so a dead locality drains completely. */
  outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '1m', maxEjectionPercent: 100 },
};

export function resourceGroupName(input: MeshSpecInput): string {
  return input.azure.resourceGroup ?? `cellbridge-${input.name}`;
}

/** Fills in defaults. Call only on input that passed validation. */
export function normalizeSpec(input: MeshSpecInput): MeshSpec {
  const { vpc } = input.aws;
  return {
    apiVersion: API_VERSION,
    name: input.name,
    aws: {
      region: input.aws.region,
      transitGatewayAsn: input.aws.transitGatewayAsn ?? DEFAULTS.transitGatewayAsn,
      vpc:
        vpc.existingVpcId !== undefined
          ? { mode: 'existing', cidr: vpc.cidr, vpcId: vpc.existingVpcId, subnetIds: vpc.existingSubnetIds ?? [] }
          : {
              mode: 'create',
              cidr: vpc.cidr,
              subnets: (vpc.subnets ?? []).map((subnet, i) => ({
                cidr: subnet.cidr,
                availabilityZone: subnet.availabilityZone ?? defaultZone(input.aws.region, i),
              })),
            },
    },
    azure: {
      subscriptionId: input.azure.subscriptionId,
      location: input.azure.location,
      resourceGroup: resourceGroupName(input),
      gatewayAsn: input.azure.gatewayAsn ?? DEFAULTS.azureGatewayAsn,
      vnet: { ...input.azure.vnet },
    },
    cells: (input.cells ?? []).map((cell) => normalizeCell(input, cell)),
    istio: {
      version: input.istio?.version ?? DEFAULTS.istio.version,
      meshId: input.istio?.meshId ?? input.name,
      trustDomain: input.istio?.trustDomain ?? DEFAULTS.istio.trustDomain,
      dataplane: input.istio?.dataplane ?? DEFAULTS.istio.dataplane,
    },
    pki: { ...DEFAULTS.pki, ...input.pki, rotation: { ...DEFAULTS.rotation, ...input.pki?.rotation } },
    trafficPolicies: (input.trafficPolicies ?? []).map((p) => ({
      name: p.name,
      namespace: p.namespace ?? 'default',
      host: p.host,
      ...(p.failover ? { failover: p.failover } : {}),
      ...(p.failoverPriority ? { failoverPriority: p.failoverPriority } : {}),
      outlierDetection: { ...DEFAULTS.outlierDetection, ...p.outlierDetection },
    })),
    drift: { ...DRIFT_DEFAULTS, ...input.drift },
    backbone: {
      tunnelInsideCidrs: (input.backbone?.tunnelInsideCidrs as [string, string, string, string] | undefined) ?? DEFAULTS.tunnelInsideCidrs,
      bgpTimeoutSeconds: input.backbone?.bgpTimeoutSeconds ?? DEFAULTS.bgpTimeoutSeconds,
    },
  };
}

/** Spreads subnets over zones a, b, c… so the TGW attachment gets one subnet per zone. */
export function defaultZone(region: string, index: number): string {
  return `${region}${String.fromCharCode('a'.charCodeAt(0) + (index % 6))}`;
}

/** Fills a cell's defaults; fields of the other cloud are dropped (validation reports them first). */
export function normalizeCell(input: MeshSpecInput, cell: CellInput): Cell {
  const common = {
    name: cell.name,
    kubernetesVersion: cell.kubernetesVersion,
    network: cell.network ?? `${cell.cloud}-network`,
    serviceCidr: cell.serviceCidr,
  };
  if (cell.cloud === 'aws') {
    return { ...common, cloud: 'aws', region: cell.region ?? input.aws.region, nodePool: { count: cell.nodePool.count, instanceType: cell.nodePool.instanceType ?? '' } };
  }
  return {
    ...common,
    cloud: 'azure',
    region: cell.region ?? input.azure.location,
    nodePool: { count: cell.nodePool.count, vmSize: cell.nodePool.vmSize ?? '' },
    podCidr: cell.podCidr ?? '',
    dnsServiceIp: cell.dnsServiceIp ?? defaultDnsServiceIp(cell.serviceCidr),
    subnetCidr: cell.subnetCidr ?? '',
  };
}

/** The 10th address of the service range, the convention of both clouds' defaults. */
function defaultDnsServiceIp(serviceCidr: string): string {
  const cidr = parseCidr(serviceCidr);
  return typeof cidr === 'string' ? '' : hostAddress(cidr, 10);
}

