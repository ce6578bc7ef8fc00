/**
 * Rules for the Istio, PKI and traffic-policy parts of a spec: a release the deployment
 * offers and that supports every cell's Kubernetes (docs/istio-support.md), CA
 * lifetimes that nest, a root of the user's own, and failover that can actually fail
 * over (outlier detection able to eject a whole locality).
 */
import { FAILOVER_PRIORITY_KEYS, istioRelease, supportsKubernetes, type IstioSupport } from './istio-versions.ts';
import { kubernetesMinor, SUPPORTED_KUBERNETES_MINORS } from './kubernetes-versions.ts';
import { checkRootSecret } from './validate-root-secret.ts';
import type { MeshSpec, MeshSpecInput } from './mesh-spec.ts';
import type { Reporter } from './range-checker.ts';

/** `offered`: the Istio releases this deployment's workers are configured to install. */
export function checkIstio(input: MeshSpecInput, spec: MeshSpec, offered: readonly IstioSupport[], report: Reporter): void {
  const release = istioRelease(offered, spec.istio.version);
  if (!release) {
    report('/istio/version', 'istio.version', `${spec.istio.version} is not available: this deployment installs Istio ${offered.map((r) => r.version).join(', ')}`);
  } else {
    checkKubernetesVersions(spec, release, report);
  }
  if (spec.istio.dataplane === 'ambient') checkAmbientNetworks(spec, report);
  checkPki(spec, report);
  checkRootSecret(spec.pki.rootSecret, report);
  (input.trafficPolicies ?? []).forEach((policy, i) => checkTrafficPolicy(spec, policy, `/trafficPolicies/${i}`, report));
  const names = new Set<string>();
  spec.trafficPolicies.forEach((p, i) => {
    const key = `${p.namespace}/${p.name}`;
    if (names.has(key)) report(`/trafficPolicies/${i}/name`, 'traffic.name-duplicate', `${key} is already a traffic policy`);
    names.add(key);
  });
}

/**
 * Every cell runs this Istio release, so its Kubernetes must be one the release supports.
 * A version the cloud itself refuses is reported once, by the cell rules.
 */
function checkKubernetesVersions(spec: MeshSpec, release: IstioSupport, report: Reporter): void {
  const { min, max } = release.kubernetes;
  spec.cells.forEach((cell, i) => {
    const minor = kubernetesMinor(cell.cloud, cell.kubernetesVersion);
    if (minor === undefined || !SUPPORTED_KUBERNETES_MINORS[cell.cloud].includes(minor)) return;
    if (!supportsKubernetes(release, minor)) {
      report(`/cells/${i}/kubernetesVersion`, 'istio.kubernetes-version', `${cell.kubernetesVersion}: Istio ${spec.istio.version} supports Kubernetes ${min} to ${max} only`);
    }
  });
}

/** Ambient multicluster is multi-primary, multi-network only (docs/istio-support.md): no two cells on one network. */
function checkAmbientNetworks(spec: MeshSpec, report: Reporter): void {
  const seen = new Map<string, string>();
  spec.cells.forEach((cell, i) => {
    const other = seen.get(cell.network);
    if (other !== undefined) report(`/cells/${i}/network`, 'istio.ambient-network', `network ${cell.network} is already the network of cell ${other}: ambient multicluster supports only one cluster per network; give each cell its own network`);
    else seen.set(cell.network, cell.name);
  });
}

function checkPki(spec: MeshSpec, report: Reporter): void {
  const { rootValidityDays, intermediateValidityDays, verificationMarginDays } = spec.pki;
  if (intermediateValidityDays >= rootValidityDays) {
    report('/pki/intermediateValidityDays', 'pki.validity-nesting', `${intermediateValidityDays} days: an intermediate must expire before its root (${rootValidityDays} days)`);
  }
  const rotationDays = spec.pki.rotation.intervalHours / 24;
  if (rotationDays >= intermediateValidityDays - verificationMarginDays) {
    report('/pki/rotation/intervalHours', 'pki.rotation-interval', `every ${rotationDays} days is too rare: intermediates live ${intermediateValidityDays} days and must be replaced ${verificationMarginDays} days before they expire`);
  }
  if (verificationMarginDays >= intermediateValidityDays) {
    report('/pki/verificationMarginDays', 'pki.margin', `${verificationMarginDays} days: the margin must be shorter than the intermediates' validity (${intermediateValidityDays} days), or verification can never pass`);
  }
}

function checkTrafficPolicy(spec: MeshSpec, policy: NonNullable<MeshSpecInput['trafficPolicies']>[number], path: string, report: Reporter): void {
  const modes = [policy.failover, policy.failoverPriority].filter((m) => m !== undefined);
  if (modes.length !== 1) {
    report(path, 'traffic.failover-one-of', 'give exactly one of failover or failoverPriority (Istio allows only one per localityLbSetting)');
  }
  if (policy.outlierDetection === undefined) {
    report(`${path}/outlierDetection`, 'traffic.outlier-detection', 'locality failover has no effect without outlierDetection: a proxy only fails over once it ejects unhealthy local endpoints');
  } else if (policy.outlierDetection.maxEjectionPercent !== undefined && policy.outlierDetection.maxEjectionPercent < 100) {
    report(`${path}/outlierDetection/maxEjectionPercent`, 'traffic.max-ejection', `${policy.outlierDetection.maxEjectionPercent}%: a failed locality can only be fully ejected at 100% (Istio's default is 10%)`);
  }
  const regions = new Set(spec.cells.map((c) => c.region));
  (policy.failover ?? []).forEach((f, j) => {
    for (const side of ['from', 'to'] as const) {
      if (!regions.has(f[side])) report(`${path}/failover/${j}/${side}`, 'traffic.failover-region', `${f[side]} is not the region of any cell (${[...regions].join(', ') || 'no cells'}); nodes carry the cloud's own region label`);
    }
  });
  (policy.failoverPriority ?? []).forEach((label, j) => {
    const key = label.split('=')[0] ?? '';
    if (!label.includes('=') && !FAILOVER_PRIORITY_KEYS.includes(key)) {
      report(`${path}/failoverPriority/${j}`, 'traffic.failover-label', `${label} is neither one of ${FAILOVER_PRIORITY_KEYS.join(', ')} nor key=value`);
    }
  });
}
