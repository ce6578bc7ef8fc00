/**
 * The data plane during a CA rotation, as the real control plane makes it: in every cluster
 * a pilot-agent (workload-agent.ts) keeps a workload certificate from that cluster's istiod,
 * renewed every half `ttlSeconds`, and the cluster's trust bundle is the root(s) istiod
 * publishes in the istio-ca-root-cert ConfigMap (what pods mount, and what pilot-agent
 * trusts). After every new certificate and every change of a bundle, checkTrust runs over
 * the newest of each, so each state of the mesh is checked at the moment it exists.
 *
 * A bundle that briefly cannot be read is recorded; the cluster's last one stays in force,
 * as a mounted ConfigMap keeps its last content.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { pemBlocks } from './chain.ts';
import { checkTrust, type TrustCheck, type TrustFailure } from './check-trust.ts';
import { ObjectWatch } from './object-watch.ts';
import { WorkloadAgent } from './workload-agent.ts';

export interface TrustEvaluation {
  at: Date;
  /** What prompted it (`<cluster> issued`, `<cluster> bundle`); absent for the first. */
  changed?: string;
  /** Each cluster's issuing intermediate and trusted roots, by fingerprint: equal strings, equal states. */
  state: string;
  result: TrustCheck;
}

export interface IssuedCertificate {
  at: Date;
  cluster: string;
  /** SHA-256 fingerprint of the intermediate that signed it (node's format). */
  issuer: string;
  chain: string[];
}

export interface UnreadableBundle {
  at: Date;
  cluster: string;
  reason: string;
}

export interface TrustRecord {
  evaluations: TrustEvaluation[];
  /** Every failure of every evaluation, with its evaluation's time. */
  failures: (TrustFailure & { at: Date })[];
  /** Every workload certificate the istiods issued while watched. */
  issued: IssuedCertificate[];
  unreadable: UnreadableBundle[];
}

export interface TrustWatch {
  /** What was seen so far. */
  snapshot(): TrustRecord;
  /** Ends the agents and watches and returns the whole record. */
  stop(): Promise<TrustRecord>;
}

export interface TrustWatchOptions {
  /** The lifetime the workloads ask istiod for; they renew at half of it. */
  ttlSeconds: number;
  /** Where the agents' working directories go; a temporary directory by default. */
  parentDir?: string;
}

const WORKLOAD_NAMESPACE = 'default';

/** Resolves once every cluster has a workload certificate and a trust bundle, with the first evaluation done. */
export async function watchTrust(clusters: { name: string; config: KubeConfig }[], options: TrustWatchOptions): Promise<TrustWatch> {
  const issuedNow = new Map<string, string[]>();
  const bundles = new Map<string, string[]>();
  const record: TrustRecord = { evaluations: [], failures: [], issued: [], unreadable: [] };
  let started = false;

  const evaluate = (changed?: string) => {
    // Until every cluster has both, there is no state of the whole mesh to check.
    if (!started || clusters.some((c) => !issuedNow.has(c.name) || !bundles.has(c.name))) return;
    const at = new Date();
    const result = checkTrust(issuedNow, bundles, at);
    record.evaluations.push({ at, ...(changed === undefined ? {} : { changed }), state: stateOf(clusters, issuedNow, bundles), result });
    record.failures.push(...result.failures.map((failure) => ({ ...failure, at })));
  };

  const ownDir = options.parentDir ? undefined : mkdtempSync(join(tmpdir(), 'cellbridge-trust-'));
  const agents: WorkloadAgent[] = [];
  const watches: ObjectWatch[] = [];
  const stopAll = async () => {
    await Promise.all([...agents.map((a) => a.stop()), ...watches.map((w) => w.stop())]);
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  };
  try {
    for (const { name, config } of clusters) {
      const watch = new ObjectWatch(config, { kind: 'configmaps', namespace: WORKLOAD_NAMESPACE, name: 'istio-ca-root-cert' }, {
        changed(data) {
          // A deleted ConfigMap leaves a mounted volume's last content in place.
          if (!data?.['root-cert.pem']) return;
          const roots = pemBlocks(data['root-cert.pem']);
          if (bundles.get(name)?.join() === roots.join()) return;
          bundles.set(name, roots);
          evaluate(`${name} bundle`);
        },
        failed: (reason) => record.unreadable.push({ at: new Date(), cluster: name, reason }),
      });
      watches.push(watch);
      await watch.start();
      const agent = await WorkloadAgent.start({ config, parentDir: options.parentDir ?? ownDir!, namespace: WORKLOAD_NAMESPACE, ttlSeconds: options.ttlSeconds });
      agents.push(agent);
      agent.onIssued((cert) => {
        record.issued.push({ at: cert.seenAt, cluster: name, issuer: new X509Certificate(cert.chain[1] ?? cert.chain[0]!).fingerprint256, chain: cert.chain });
        issuedNow.set(name, cert.chain);
        evaluate(`${name} issued`);
      });
    }
    await Promise.all(agents.map((agent) => agent.certificate()));
  } catch (error) {
    await stopAll();
    throw error;
  }
  started = true;
  evaluate();

  const snapshot = (): TrustRecord => ({ evaluations: [...record.evaluations], failures: [...record.failures], issued: [...record.issued], unreadable: [...record.unreadable] });
  return {
    snapshot,
    async stop() {
      await stopAll();
      return snapshot();
    },
  };
}

function stateOf(clusters: { name: string }[], issued: Map<string, string[]>, bundles: Map<string, string[]>): string {
  const short = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').slice(0, 8);
  return clusters.map(({ name }) => `${name}:${short(issued.get(name)![1] ?? issued.get(name)![0]!)}/${bundles.get(name)!.map(short).join('+')}`).join(' ');
}
