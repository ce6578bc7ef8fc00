/**
 * Rules for the Istio, PKI and traffic-policy parts of a spec (reference/domain.md C–E):
 * a release the worker has charts for, CA lifetimes that nest, and failover that can
 * actually fail over (outlier detection able to eject a whole locality).
 */
import { FAILOVER_PRIORITY_KEYS, SUPPORTED_ISTIO_VERSIONS } from './istio-versions.ts';
import type { MeshSpec, MeshSpecInput } from './mesh-spec.ts';
import type { Reporter } from './range-checker.ts';

export function checkIstio(input: MeshSpecInput, spec: MeshSpec, report: Reporter): void {
  if (!SUPPORTED_ISTIO_VERSIONS.includes(spec.istio.version)) {
    report('/istio/version', 'istio.version', `${spec.istio.version} is not available: this worker carries the charts of ${SUPPORTED_ISTIO_VERSIONS.join(', ')}`);
  }
  checkPki(spec, report);
  (input.trafficPolicies ?? []).forEach((policy, i) => checkTrafficPolicy(spec, policy, `/trafficPolicies/${i}`, report));
  const names = new Set<string>();
  spec.trafficPolicies.forEach((p, i) => {
    const key = `${p.namespace}/${p.name}`;
    if (names.has(key)) report(`/trafficPolicies/${i}/name`, 'traffic.name-duplicate', `${key} is already a traffic policy`);
    names.add(key);
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
