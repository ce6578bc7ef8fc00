// One cluster's kube-apiserver: its own etcd prefix, PKI and port; RBAC as in EKS and
// AKS; for EKS, bearer tokens are checked by the pool's TokenReview webhook.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startProcess, type RunningProcess } from '../child-process.ts';
import type { ClusterPki } from './pki.ts';

export interface ApiServerSpec {
  bin: string;
  dir: string;
  port: number;
  etcdUrl: string;
  etcdPrefix: string;
  pki: ClusterPki;
  serviceCidr: string;
  /** EKS only: where TokenReviews go. */
  webhookUrl?: string;
}

const READY_TIMEOUT_MS = 180_000; // several API servers starting at once on two shared cores
const POLL_MS = 250;

export async function startApiServer(spec: ApiServerSpec): Promise<RunningProcess> {
  const args = [
    `--etcd-servers=${spec.etcdUrl}`,
    `--etcd-prefix=${spec.etcdPrefix}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${spec.port}`,
    `--cert-dir=${spec.dir}`,
    `--tls-cert-file=${spec.pki.certPath}`,
    `--tls-private-key-file=${spec.pki.keyPath}`,
    `--client-ca-file=${spec.pki.caPath}`,
    `--service-account-key-file=${spec.pki.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${spec.pki.serviceAccountKeyPath}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-cluster-ip-range=${spec.serviceCidr}`,
    '--authorization-mode=RBAC',
    // Webhooks (Istio's validator and injector) are called at their Service's endpoints, not
    // its cluster IP: no pod ever backs them here, so a call fails at once ("no endpoints")
    // and the webhook's failurePolicy decides, instead of dialling an unroutable cluster IP.
    '--enable-aggregator-routing=true',
    // Istio's injector (failurePolicy Fail, hard-coded in its chart) matches the pods the
    // simulator creates for injected workloads (the east-west gateway), but no API server
    // here can reach an istiod: endpoint slices may not name loopback addresses. Pods are
    // therefore admitted uninjected instead of never created (sim/README.md).
    '--disable-admission-plugins=MutatingAdmissionWebhook',
    // Memory and idle CPU: nothing here needs a watch cache, profiling, request queueing or etcd metrics.
    '--watch-cache=false',
    '--profiling=false',
    '--enable-priority-and-fairness=false',
    '--etcd-count-metric-poll-period=0',
    '--etcd-db-metric-poll-interval=0',
  ];
  if (spec.webhookUrl) {
    const config = join(spec.dir, 'token-webhook.kubeconfig');
    writeFileSync(config, webhookKubeconfig(spec.webhookUrl));
    // A short cache: a new access entry or policy takes effect within seconds, as in EKS.
    args.push(`--authentication-token-webhook-config-file=${config}`, '--authentication-token-webhook-version=v1', '--authentication-token-webhook-cache-ttl=10s');
  }
  return startProcess({
    name: 'kube-apiserver',
    command: spec.bin,
    args,
    // One core each so that concurrent starts share the machine. Go's default GOGC: an idle
    // server holds about 250 MB instead of 190 MB at GOGC=25, but a busy one (starting,
    // taking Istio's CRDs and charts) spent 24 CPU-seconds instead of 39 for the same work
    // (test/sim/istio-charts.test.ts), and CPU is what the shared 2 cores run out of first.
    env: { GOMAXPROCS: '1', GOGC: '100' },
    logFile: join(spec.dir, 'apiserver.log'),
  });
}

/** Resolves once /readyz answers 200 to the pool's admin certificate; rejects if the process ends first or it takes too long. */
export async function waitReady(server: RunningProcess, spec: ApiServerSpec): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = server.child;
    if (exitCode !== null || signalCode !== null) throw new Error(`kube-apiserver exited (${exitCode ?? signalCode}) before it was ready: ${logTail(spec.dir)}`);
    if ((await readyzStatus(spec)) === 200) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`kube-apiserver was not ready within ${READY_TIMEOUT_MS / 1000} s: ${logTail(spec.dir)}`);
}

function readyzStatus(spec: ApiServerSpec): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: spec.port, path: '/readyz', ca: spec.pki.caPem, cert: spec.pki.adminCertPem, key: spec.pki.adminKeyPem, timeout: 5_000, agent: false },
      (res) => (res.resume(), resolve(res.statusCode ?? 0)),
    );
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'apiserver.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return 'no log';
  }
}

function webhookKubeconfig(url: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kube-pool', cluster: { server: url } }],
    users: [{ name: 'kube-apiserver', user: {} }],
    contexts: [{ name: 'webhook', context: { cluster: 'kube-pool', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  });
}
