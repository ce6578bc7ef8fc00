/**
 * The checks an operator would otherwise run by hand once a mesh is up (issue 4
 * "Verification"), evaluated from facts each cluster's inspection reported. Pure: the
 * same facts always give the same verdict, and the evidence never holds a secret.
 */
import { eastWestRoutable, type LearnedRoutes } from './east-west-routable.ts';
import type { MeshSpec } from './mesh-spec.ts';

export interface RemoteSecretFacts {
  /** The peer cluster the secret gives access to. */
  peer: string;
  present: boolean;
  /** Why it is not in the istioctl format, if it is not. */
  malformed?: string;
  /** Why its kubeconfig was refused before anything was sent: the field and the rule (an exec plugin, a file, a proxy…). */
  refused?: string;
  /** The server it names, when that is not the peer's own API server; the token was not sent. */
  foreignServer?: { named: string; peer: string };
  /** SHA-256 fingerprints of the CA it trusts, when that is not the peer's API server CA; the token was not sent. */
  foreignCa?: { named: string[]; peer: string[] };
  /** The identity the peer's API server gave the token, if it accepted it. */
  acceptedAs?: string;
  rejected?: string;
}

export interface ClusterFacts {
  cell: string;
  clusterName: string;
  network: string;
  /** SHA-256 fingerprints of the certificates in cacerts root-cert.pem. */
  rootFingerprints: string[];
  meshRootFingerprint: string;
  intermediate?: { fingerprint: string; notAfter: string; chainsToMeshRoot: boolean };
  cacertsProblem?: string;
  meshId?: string;
  networkLabel?: string;
  workloads: { name: string; ready: boolean }[];
  eastWestAddress?: string;
  /** The gateway's IPv4 addresses: eastWestAddress itself, or what that hostname resolved to when inspected. */
  eastWestIps?: string[];
  /** Why eastWestAddress gave no IPv4 address (a hostname that did not resolve, a placeholder). */
  eastWestUnresolved?: string;
  remoteSecrets: RemoteSecretFacts[];
  /** `<namespace>/<secret>: <key>` for each value that looks like a static cloud credential. */
  staticCredentials: string[];
}

export interface Check {
  id: string;
  cluster?: string;
  pass: boolean;
  evidence: string;
}

export interface VerificationReport {
  passed: boolean;
  checkedAt: string;
  checks: Check[];
}

const DAY_MS = 86_400_000;

/**
 * `uninspected`: cells whose inspection itself failed, each a failed check. `routes`: what
 * each cloud learned over BGP, or why it could not be read; without it (runs from before
 * it was observed) the gateways' routability is not judged.
 */
export function evaluateVerification(spec: MeshSpec, facts: ClusterFacts[], uninspected: { cell: string; error: string }[], now: Date, routes?: LearnedRoutes | { error: string }): VerificationReport {
  const checks = [
    ...uninspected.map((u): Check => ({ id: 'cluster.inspected', cluster: u.cell, pass: false, evidence: u.error })),
    ...sameRoot(facts),
    ...facts.flatMap((f) => perCluster(spec, f, now)),
    ...(routes ? facts.flatMap((f) => routable(spec, f, routes)) : []),
    meshIdIdentical(spec, facts),
  ];
  return { passed: checks.every((c) => c.pass), checkedAt: now.toISOString(), checks };
}

function sameRoot(facts: ClusterFacts[]): Check[] {
  const root = facts[0]?.meshRootFingerprint ?? '';
  return facts.map((f) => {
    const same = f.rootFingerprints.length > 0 && f.rootFingerprints.includes(root) && f.rootFingerprints.every((fp) => fp === root);
    return { id: 'root.same-fingerprint', cluster: f.cell, pass: same, evidence: `root-cert.pem holds ${f.rootFingerprints.join(', ') || 'nothing'}; the mesh root is ${root}` };
  });
}

function perCluster(spec: MeshSpec, f: ClusterFacts, now: Date): Check[] {
  const at = (id: string, pass: boolean, evidence: string): Check => ({ id, cluster: f.cell, pass, evidence });
  const i = f.intermediate;
  const daysLeft = i ? Math.floor((Date.parse(i.notAfter) - now.getTime()) / DAY_MS) : 0;
  const margin = spec.pki.verificationMarginDays;
  const notReady = f.workloads.filter((w) => !w.ready).map((w) => w.name);
  return [
    at('intermediate.chain-and-margin', !!i && i.chainsToMeshRoot && daysLeft >= margin,
      i ? `intermediate ${i.fingerprint} ${i.chainsToMeshRoot ? 'chains' : 'does NOT chain'} to the mesh root; valid until ${i.notAfter} (${daysLeft} days, margin ${margin})` : (f.cacertsProblem ?? 'no cacerts')),
    at('network.label', f.networkLabel === f.network, `istio-system is labelled topology.istio.io/network=${f.networkLabel ?? '(none)'}; the cell's network is ${f.network}`),
    at('workloads.ready', f.workloads.length > 0 && notReady.length === 0, notReady.length === 0 ? `${f.workloads.map((w) => w.name).join(', ')} ready` : `not ready: ${notReady.join(', ')}`),
    at('east-west.address', !!f.eastWestAddress, f.eastWestAddress ? `istio-eastwestgateway at ${f.eastWestAddress}` : 'istio-eastwestgateway has no load-balancer address'),
    ...f.remoteSecrets.map((r) => at('remote-secret.accepted', remoteSecretPasses(r), remoteSecretEvidence(r))),
    at('secrets.no-static-cloud-credentials', f.staticCredentials.length === 0, f.staticCredentials.length === 0 ? 'no static cloud credentials in the mesh namespaces' : `static cloud credentials in ${f.staticCredentials.join(', ')}`),
  ];
}

function routable(spec: MeshSpec, f: ClusterFacts, routes: LearnedRoutes | { error: string }): Check[] {
  const cloud = spec.cells?.find((c) => c.name === f.cell)?.cloud;
  if (!cloud) return [];
  const verdict = eastWestRoutable(cloud, { address: f.eastWestAddress, ips: f.eastWestIps, unresolved: f.eastWestUnresolved }, routes);
  return [{ id: 'east-west.routable', cluster: f.cell, ...verdict }];
}

function remoteSecretPasses(r: RemoteSecretFacts): boolean {
  return r.present && !r.malformed && !r.refused && !r.foreignServer && !r.foreignCa && !!r.acceptedAs;
}

function remoteSecretEvidence(r: RemoteSecretFacts): string {
  if (!r.present) return `no remote secret for ${r.peer}`;
  if (r.malformed) return `remote secret for ${r.peer} is malformed: ${r.malformed}`;
  if (r.refused) return `remote secret for ${r.peer} is refused, nothing was run or sent: ${r.refused}`;
  if (r.foreignServer) return `remote secret for ${r.peer} names server ${r.foreignServer.named}, not ${r.peer}'s API server ${r.foreignServer.peer}; its token was not sent`;
  if (r.foreignCa) return `remote secret for ${r.peer} trusts CA ${r.foreignCa.named.join(', ') || '(none)'}, not ${r.peer}'s API server CA ${r.foreignCa.peer.join(', ') || '(none)'}; its token was not sent`;
  if (r.acceptedAs) return `the token for ${r.peer} is accepted by its API server as ${r.acceptedAs}`;
  return `${r.peer}'s API server rejects the token: ${r.rejected ?? 'unknown'}`;
}

function meshIdIdentical(spec: MeshSpec, facts: ClusterFacts[]): Check {
  const ids = facts.map((f) => `${f.cell}=${f.meshId ?? '(none)'}`);
  return { id: 'mesh-id.identical', pass: facts.every((f) => f.meshId === spec.istio.meshId), evidence: `meshID ${ids.join(', ')}; the spec says ${spec.istio.meshId}` };
}
