/**
 * The data plane during a CA rotation: follows every cluster's cacerts and, after every
 * change of any of them, runs checkTrust over the latest cacerts of all clusters, so each
 * state a rotation passes through is checked at the moment it exists.
 *
 * A cacerts that is briefly unreadable (API error, deleted, does not parse) is counted,
 * and the cluster's last good one stays in force: a mounted secret keeps its last content
 * when the Secret goes, and istiod keeps its CA when a reload fails.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CacertsObserver } from './cacerts-observer.ts';
import { checkTrust, type TrustCheck, type TrustFailure } from './check-trust.ts';

export interface TrustEvaluation {
  at: Date;
  /** The cluster whose change prompted it; absent for the first, over the cacerts the watch started with. */
  changed?: string;
  /** The content of every cluster's cacerts, as `cluster:digest` pairs: equal strings, equal states. */
  state: string;
  result: TrustCheck;
}

export interface UnreadableCacerts {
  at: Date;
  cluster: string;
  reason: string;
}

export interface TrustRecord {
  evaluations: TrustEvaluation[];
  /** Every failure of every evaluation, with its evaluation's time. */
  failures: (TrustFailure & { at: Date })[];
  unreadable: UnreadableCacerts[];
}

export interface TrustWatch {
  /** Ends the watches and returns once every change seen has been evaluated. */
  stop(): Promise<TrustRecord>;
}

export interface TrustWatchOptions {
  /** Pause before trying again after an error or an ended watch; 50 ms by default. */
  retryMs?: number;
}

/** Resolves once every cluster's cacerts has been read (or found unreadable) and the watches are starting. */
export async function watchTrust(clusters: { name: string; config: KubeConfig }[], options: TrustWatchOptions = {}): Promise<TrustWatch> {
  const latest = new Map<string, { data: Record<string, string>; digest: string }>();
  const evaluations: TrustEvaluation[] = [];
  const unreadable: UnreadableCacerts[] = [];
  let started = false;
  // One at a time and in order; each works on the snapshot taken when its change arrived.
  let evaluating = Promise.resolve();

  const evaluate = (changed?: string) => {
    // A mesh with a cluster that never had a readable cacerts has no state to check yet.
    if (clusters.some((c) => !latest.has(c.name))) return;
    const at = new Date();
    const snapshot = new Map([...latest].map(([cluster, { data }]) => [cluster, data]));
    const state = clusters.map((c) => `${c.name}:${latest.get(c.name)?.digest}`).join(' ');
    evaluating = evaluating.then(async () => {
      evaluations.push({ at, ...(changed === undefined ? {} : { changed }), state, result: await checkTrust(snapshot, at) });
    });
  };

  const observers = clusters.map(
    (cluster) =>
      new CacertsObserver(
        cluster.name,
        cluster.config,
        {
          changed(name, data, digest) {
            latest.set(name, { data, digest });
            // Before the start, changes only build the first snapshot.
            if (started) evaluate(name);
          },
          unreadable: (name, reason) => unreadable.push({ at: new Date(), cluster: name, reason }),
        },
        options.retryMs ?? 50,
      ),
  );
  await Promise.all(observers.map((observer) => observer.read()));
  started = true;
  evaluate();
  const following = observers.map((observer) => observer.follow());

  return {
    async stop() {
      for (const observer of observers) observer.stop();
      await Promise.all(following);
      await evaluating;
      const failures = evaluations.flatMap((e) => e.result.failures.map((failure) => ({ ...failure, at: e.at })));
      return { evaluations, failures, unreadable };
    },
  };
}
