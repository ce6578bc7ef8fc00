// The Helm chart (deploy/chart/cellbridge): `helm lint` and `helm template` with each values
// file under ci/, judged on the parsed objects, then `helm install` into a real kube-apiserver
// of the kube pool (an AKS-flavoured cluster: no Moto needed), read back with
// @kubernetes/client-node to see that the server stored every object as rendered.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig, PolicyV1Api, type V1Container, type V1Deployment, type V1PodSpec } from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';
import { parseIstioReleases } from '../../domain/istio-releases.ts';
import type { ClusterAnswer } from '../../sim/kube/control-plane.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, REPO, setupStack } from '../../sim/setup.ts';

const run = promisify(execFile);
const CHART = join(REPO, 'deploy', 'chart', 'cellbridge');
const CI = join(CHART, 'ci');
const CI_FILES = readdirSync(CI).filter((f) => f.endsWith('.yaml')).sort();
// What the proving ground's kube-apiserver is; `helm template` would otherwise assume its own default (1.20).
const KUBE_VERSION = '1.34.4';
const SECRET_ENV = ['CELLBRIDGE_API_TOKEN', 'CELLBRIDGE_CODEC_KEYS', 'CELLBRIDGE_CODEC_KEY'];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
}

let dir: string;

before(() => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-chart-'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function helm(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(HELM_BIN, args, { env: { PATH: process.env.PATH ?? '', HOME: dir, ...env }, maxBuffer: 16 << 20 });
}

async function render(valuesFile: string, set: string[] = []): Promise<K8sObject[]> {
  const { stdout } = await helm(['template', 'r', CHART, '--namespace', 'cb', '--kube-version', KUBE_VERSION, '-f', join(CI, valuesFile), ...set.flatMap((s) => ['--set', s])]);
  return (loadAll(stdout) as (K8sObject | null)[]).filter((o): o is K8sObject => o !== null);
}

function values(valuesFile: string): Record<string, any> {
  return load(readFileSync(join(CI, valuesFile), 'utf8')) as Record<string, any>;
}

function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  assert.equal(found.length, 1, `exactly one ${kind} ${name}; rendered: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0]!;
}

function podSpec(deployment: K8sObject): V1PodSpec & { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } } {
  const template = (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: V1PodSpec } }).template;
  return { ...template.spec, metadata: template.metadata };
}

/** A matchLabels selector, judged here rather than by Kubernetes' or the chart's code. */
function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

function env(container: V1Container, name: string) {
  return container.env?.find((e) => e.name === name);
}

describe('helm lint', () => {
  for (const file of CI_FILES) {
    test(`the chart lints clean (--strict) with ci/${file}`, async () => {
      const { stdout } = await helm(['lint', CHART, '--strict', '--kube-version', KUBE_VERSION, '-f', join(CI, file)]);
      assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });
  }
});

describe('helm template', () => {
  test('there are at least three values files under ci/', () => assert.ok(CI_FILES.length >= 3, CI_FILES.join(', ')));

  for (const file of CI_FILES) {
    describe(`with ci/${file}`, () => {
      let objects: K8sObject[];
      before(async () => (objects = await render(file)));

      test('renders a worker Deployment, an API Deployment and a Service for the API, and no Secret', () => {
        one(objects, 'Deployment', 'r-cellbridge-worker');
        one(objects, 'Deployment', 'r-cellbridge-api');
        one(objects, 'Service', 'r-cellbridge-api');
        assert.deepEqual(objects.filter((o) => o.kind === 'Secret'), []);
      });

      test('every pod and container runs as non-root, without privilege escalation, capabilities or a writable root', () => {
        for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
          const pod = podSpec(deployment);
          assert.equal(pod.securityContext?.runAsNonRoot, true, deployment.metadata.name);
          assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, `${deployment.metadata.name} runs as a non-zero uid`);
          for (const container of pod.containers) {
            const security = container.securityContext;
            assert.equal(security?.allowPrivilegeEscalation, false, container.name);
            assert.equal(security?.readOnlyRootFilesystem, true, container.name);
            assert.deepEqual(security?.capabilities?.drop, ['ALL'], container.name);
            assert.notEqual(security?.privileged, true, container.name);
            assert.ok(container.volumeMounts?.some((m) => m.mountPath === '/tmp'), `${container.name} has a writable /tmp`);
          }
        }
      });

      test('every container has liveness and readiness probes on a port it declares, and resource requests', () => {
        for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
          for (const container of podSpec(deployment).containers) {
            const ports = new Set((container.ports ?? []).map((p) => p.name));
            for (const probe of [container.livenessProbe, container.readinessProbe]) {
              assert.ok(probe?.httpGet, `${container.name} has an HTTP probe`);
              assert.ok(ports.has(String(probe.httpGet.port)), `${container.name}'s probe port ${probe.httpGet.port} is one of its ports`);
            }
            assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory, `${container.name} requests CPU and memory`);
          }
        }
      });

      test('secret settings come only from Secret references, never as values', () => {
        for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
          for (const container of podSpec(deployment).containers) {
            for (const variable of (container.env ?? []).filter((e) => SECRET_ENV.includes(e.name))) {
              assert.equal(variable.value, undefined, `${variable.name} has no inline value`);
              assert.ok(variable.valueFrom?.secretKeyRef?.name && variable.valueFrom.secretKeyRef.key, `${variable.name} is a secretKeyRef`);
            }
            const codec = env(container, 'CELLBRIDGE_CODEC_KEYS');
            assert.equal(codec?.valueFrom?.secretKeyRef?.name, values(file).codec?.existingSecret ?? 'cellbridge-codec', `${container.name}'s keyring Secret`);
          }
        }
      });

      test('the API Service selects the API pods only, on the API container\'s http port', () => {
        const service = one(objects, 'Service', 'r-cellbridge-api');
        const selector = (service.spec as { selector: Record<string, string> }).selector;
        const api = podSpec(one(objects, 'Deployment', 'r-cellbridge-api'));
        assert.ok(selects(selector, api.metadata.labels));
        assert.ok(!selects(selector, podSpec(one(objects, 'Deployment', 'r-cellbridge-worker')).metadata.labels), 'the Service does not select workers');
        const http = (service.spec as { ports: { name: string; targetPort: string }[] }).ports.find((p) => p.name === 'http');
        assert.ok(api.containers[0]!.ports?.some((p) => p.name === http?.targetPort));
      });

      test('the worker pods get the terminationGracePeriodSeconds of the values', () => {
        const expected = values(file).worker?.terminationGracePeriodSeconds ?? 60;
        assert.equal(podSpec(one(objects, 'Deployment', 'r-cellbridge-worker')).terminationGracePeriodSeconds, expected);
      });
    });
  }

  test('minimal: a PodDisruptionBudget that selects the worker pods and not the API\'s; no cloud identity annotations', async () => {
    const objects = await render('minimal-values.yaml');
    const pdb = one(objects, 'PodDisruptionBudget', 'r-cellbridge-worker');
    const { matchLabels } = (pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector;
    assert.ok(selects(matchLabels, podSpec(one(objects, 'Deployment', 'r-cellbridge-worker')).metadata.labels));
    assert.ok(!selects(matchLabels, podSpec(one(objects, 'Deployment', 'r-cellbridge-api')).metadata.labels));
    assert.equal(one(objects, 'ServiceAccount', 'r-cellbridge-worker').metadata.annotations, undefined);
    assert.equal(podSpec(one(objects, 'Deployment', 'r-cellbridge-worker')).metadata.labels['azure.workload.identity/use'], undefined);
    const api = podSpec(one(objects, 'Deployment', 'r-cellbridge-api')).containers[0]!;
    assert.deepEqual(env(api, 'CELLBRIDGE_API_TOKEN')?.valueFrom?.secretKeyRef, { name: 'cellbridge-api-token', key: 'token' });
    assert.equal(env(api, 'TEMPORAL_ADDRESS')?.value, 'temporal-frontend.temporal:7233');
    assert.equal(env(api, 'OTEL_EXPORTER_OTLP_ENDPOINT'), undefined, 'no tracing unless asked for');
  });

  test('identity, OIDC, metrics and traces: IRSA and Workload Identity on the worker\'s ServiceAccount and pods only, OIDC settings and no token for the API, metrics ports scraped, both sending traces to the collector', async () => {
    const file = 'identity-oidc-metrics-values.yaml';
    const given = values(file);
    const objects = await render(file);
    const workerAccount = one(objects, 'ServiceAccount', 'r-cellbridge-worker');
    assert.equal(workerAccount.metadata.annotations?.['eks.amazonaws.com/role-arn'], given.worker.aws.roleArn);
    assert.equal(workerAccount.metadata.annotations?.['azure.workload.identity/client-id'], given.worker.azure.clientId);
    assert.equal(workerAccount.metadata.annotations?.['azure.workload.identity/tenant-id'], given.worker.azure.tenantId);
    assert.equal(one(objects, 'ServiceAccount', 'r-cellbridge-api').metadata.annotations, undefined, 'the API holds no cloud identity');

    const worker = podSpec(one(objects, 'Deployment', 'r-cellbridge-worker'));
    assert.equal(worker.serviceAccountName, 'r-cellbridge-worker');
    assert.equal(worker.metadata.labels['azure.workload.identity/use'], 'true');
    assert.equal(worker.metadata.annotations?.['prometheus.io/scrape'], 'true');
    assert.equal(worker.metadata.annotations?.['prometheus.io/port'], String(worker.containers[0]!.ports?.find((p) => p.name === 'metrics')?.containerPort));
    assert.ok(worker.containers[0]!.ports?.some((p) => p.name === 'sdk-metrics'), 'the SDK metrics port is declared');
    assert.ok(!worker.containers[0]!.env?.some((e) => /^AWS_(ACCESS|SECRET)|^AZURE_CLIENT_SECRET/.test(e.name)), 'no static cloud keys');
    assert.equal(worker.containers[0]!.image, `${given.image.repository}@${given.image.digest}`);

    const apiPod = podSpec(one(objects, 'Deployment', 'r-cellbridge-api'));
    const api = apiPod.containers[0]!;
    assert.equal(apiPod.metadata.labels['azure.workload.identity/use'], undefined);
    assert.equal(env(api, 'CELLBRIDGE_API_TOKEN'), undefined);
    assert.equal(env(api, 'CELLBRIDGE_OIDC_ISSUER')?.value, given.api.auth.oidc.issuer);
    assert.equal(env(api, 'CELLBRIDGE_OIDC_OPERATOR_VALUES')?.value, given.api.auth.oidc.operatorValues);
    assert.equal(env(api, 'CELLBRIDGE_API_METRICS_PORT')?.value, String(api.ports?.find((p) => p.name === 'metrics')?.containerPort));
    assert.equal(env(api, 'CELLBRIDGE_CODEC_KEY_ID')?.value, given.codec.currentKeyId);
    for (const container of [worker.containers[0]!, api]) assert.equal(env(container, 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value, given.tracing.otlpEndpoint);
  });

  test('token, no metrics: no PodDisruptionBudget, no ServiceAccounts made, metrics ports and scrape annotations off', async () => {
    const objects = await render('token-no-metrics-values.yaml');
    assert.deepEqual(objects.filter((o) => o.kind === 'PodDisruptionBudget' || o.kind === 'ServiceAccount').map((o) => o.kind), []);
    const worker = podSpec(one(objects, 'Deployment', 'r-cellbridge-worker'));
    const api = podSpec(one(objects, 'Deployment', 'r-cellbridge-api'));
    assert.equal(worker.serviceAccountName, 'platform-cellbridge-worker');
    assert.equal(api.serviceAccountName, 'platform-cellbridge-api');
    assert.equal(env(worker.containers[0]!, 'CELLBRIDGE_WORKER_SDK_METRICS_PORT'), undefined);
    assert.equal(env(api.containers[0]!, 'CELLBRIDGE_API_METRICS_PORT'), undefined);
    assert.equal(worker.metadata.annotations, undefined);
    assert.deepEqual(env(api.containers[0]!, 'CELLBRIDGE_API_TOKEN')?.valueFrom?.secretKeyRef, { name: 'staging-api', key: 'bearer' });
    assert.equal(env(worker.containers[0]!, 'CELLBRIDGE_TASK_QUEUE')?.value, 'cellbridge-staging');
  });

  test('Temporal TLS, mutual TLS and API key: each file variable points into the mount of the Secret named, in both Deployments; none without them', async () => {
    const secrets = ['temporal.tls.serverCaSecret=temporal-ca', 'temporal.tls.clientSecret=temporal-mtls', 'temporal.apiKey.existingSecret=temporal-cloud', 'temporal.tls.serverName=temporal.example'];
    const objects = await render('minimal-values.yaml', secrets);
    for (const name of ['r-cellbridge-worker', 'r-cellbridge-api']) {
      const pod = podSpec(one(objects, 'Deployment', name));
      const container = pod.containers[0]!;
      const fileOf = (variable: string) => {
        const path = env(container, variable)?.value ?? '';
        const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
        assert.ok(mount?.readOnly, `${name}: ${variable}=${path} is in a read-only mount`);
        return { secret: pod.volumes?.find((v) => v.name === mount!.name)?.secret?.secretName, file: path.slice(mount!.mountPath.length + 1) };
      };
      assert.deepEqual(fileOf('TEMPORAL_TLS_SERVER_CA_CERT_PATH'), { secret: 'temporal-ca', file: 'ca.crt' });
      assert.deepEqual(fileOf('TEMPORAL_TLS_CLIENT_CERT_PATH'), { secret: 'temporal-mtls', file: 'tls.crt' });
      assert.deepEqual(fileOf('TEMPORAL_TLS_CLIENT_KEY_PATH'), { secret: 'temporal-mtls', file: 'tls.key' });
      assert.deepEqual(fileOf('TEMPORAL_API_KEY_PATH'), { secret: 'temporal-cloud', file: 'api-key' });
      assert.equal(env(container, 'TEMPORAL_TLS_SERVER_NAME')?.value, 'temporal.example');
      assert.ok(!container.volumeMounts?.some((m) => m.subPath), `${name}: no subPath mount (the kubelet would never update it)`);
    }
    const plain = podSpec(one(await render('minimal-values.yaml'), 'Deployment', 'r-cellbridge-worker')).containers[0]!;
    assert.deepEqual(plain.env?.map((e) => e.name).filter((n) => n.startsWith('TEMPORAL_TLS') || n.startsWith('TEMPORAL_API_KEY')), []);
  });

  test('refuses to render mutual TLS without the entries of its Secret, and an API without authentication', async () => {
    await assert.rejects(render('minimal-values.yaml', ['temporal.tls.clientSecret=temporal-mtls', 'temporal.tls.keyKey=']), /temporal\.tls\.certKey and temporal\.tls\.keyKey/);
    await assert.rejects(render('minimal-values.yaml', ['api.auth.tokenSecret.name=']), /api\.auth: set tokenSecret\.name .* or oidc\.issuer/);
  });

  test('refuses to render without an Istio release', async () => {
    await assert.rejects(render('minimal-values.yaml', ['istio.releases=null']), /istio\.releases: list at least one Istio release/);
  });

  test('istio.releases reach the worker and the API as the file CELLBRIDGE_ISTIO_RELEASES names (a ConfigMap mounted in both), a file the worker\'s own check accepts; the worker pulls charts into its /tmp', async () => {
    const objects = await render('minimal-values.yaml');
    const configMap = one(objects, 'ConfigMap', 'r-cellbridge-istio-releases') as K8sObject & { data: Record<string, string> };
    const releases = parseIstioReleases(JSON.parse(configMap.data['releases.json']!));
    assert.deepEqual(releases.map((r) => [r.version, r.chart]), [['1.30.4', { repository: 'https://istio-release.storage.googleapis.com/charts', version: '1.30.4' }]]);
    for (const name of ['r-cellbridge-worker', 'r-cellbridge-api']) {
      const pod = podSpec(one(objects, 'Deployment', name));
      const container = pod.containers[0]!;
      const path = env(container, 'CELLBRIDGE_ISTIO_RELEASES')?.value ?? '';
      const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
      assert.ok(mount?.readOnly, `${name}: ${path} is in a read-only mount`);
      assert.equal(pod.volumes?.find((v) => v.name === mount!.name)?.configMap?.name, 'r-cellbridge-istio-releases');
      assert.equal(path.slice(mount!.mountPath.length + 1), 'releases.json');
    }
    const worker = podSpec(one(objects, 'Deployment', 'r-cellbridge-worker')).containers[0]!;
    assert.match(env(worker, 'CELLBRIDGE_ISTIO_CHART_CACHE')?.value ?? '', /^\/tmp\//);
  });
});

describe('helm install into a kube pool cluster', () => {
  const NAMESPACE = 'cellbridge';
  let pool: KubePoolHandle;
  let config: KubeConfig;
  let rendered: K8sObject[];

  before(async () => {
    const poolPort = await freePort();
    // An AKS-flavoured cluster authenticates its admin by certificate: the pool never asks AWS.
    pool = await startKubePool({ port: poolPort, dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, logFile: join(dir, 'kube.log') });
    await fetch(`${pool.url}/clusters/aks-deploy`, { method: 'PUT', body: JSON.stringify({ flavor: 'aks', name: 'deploy', region: 'westeurope' }) });
    const cluster = await waitReady(`${pool.url}/clusters/aks-deploy`);
    const kubeconfig = join(dir, 'kubeconfig');
    config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.endpoint, caData: b64(cluster.caPem) }],
      users: [{ name: 'u', certData: b64(cluster.adminCertPem!), keyData: b64(cluster.adminKeyPem!) }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u', namespace: NAMESPACE }],
      currentContext: 'c',
    });
    writeFileSync(kubeconfig, config.exportConfig(), { mode: 0o600 });
    const file = join(CI, 'identity-oidc-metrics-values.yaml');
    await helm(['install', 'r', CHART, '--namespace', NAMESPACE, '--create-namespace', '-f', file], { KUBECONFIG: kubeconfig });
    rendered = await render('identity-oidc-metrics-values.yaml');
  });

  after(async () => {
    await pool?.stop();
  });

  test('the kube-apiserver stored every rendered object: Deployments, Service, ServiceAccounts, PodDisruptionBudget, the Istio releases ConfigMap', async () => {
    const apps = config.makeApiClient(AppsV1Api);
    const core = config.makeApiClient(CoreV1Api);
    const policy = config.makeApiClient(PolicyV1Api);
    const stored: Record<string, () => Promise<{ metadata?: { name?: string } }>> = {};
    for (const object of rendered) {
      const name = object.metadata.name;
      const read = {
        Deployment: () => apps.readNamespacedDeployment({ name, namespace: NAMESPACE }),
        Service: () => core.readNamespacedService({ name, namespace: NAMESPACE }),
        ServiceAccount: () => core.readNamespacedServiceAccount({ name, namespace: NAMESPACE }),
        PodDisruptionBudget: () => policy.readNamespacedPodDisruptionBudget({ name, namespace: NAMESPACE }),
        ConfigMap: () => core.readNamespacedConfigMap({ name, namespace: NAMESPACE }),
      }[object.kind];
      assert.ok(read, `a reader for ${object.kind}`);
      stored[`${object.kind}/${name}`] = read;
    }
    assert.deepEqual(Object.keys(stored).sort(), [
      'ConfigMap/r-cellbridge-istio-releases', 'Deployment/r-cellbridge-api', 'Deployment/r-cellbridge-worker', 'PodDisruptionBudget/r-cellbridge-worker',
      'Service/r-cellbridge-api', 'ServiceAccount/r-cellbridge-api', 'ServiceAccount/r-cellbridge-worker',
    ]);
    for (const [key, read] of Object.entries(stored)) assert.equal((await read()).metadata?.name, key.split('/')[1]);

    const account = await core.readNamespacedServiceAccount({ name: 'r-cellbridge-worker', namespace: NAMESPACE });
    assert.equal(account.metadata?.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/cellbridge-worker');
    assert.equal(account.metadata?.annotations?.['azure.workload.identity/client-id'], '0b6c7c11-5a8e-4d3c-9f0e-6a2b1c3d4e5f');
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'r-cellbridge-worker', namespace: NAMESPACE });
    assert.equal(pdb.spec?.maxUnavailable, 1);
  });

  test('the stored pod templates kept what was rendered: security contexts, probes, Secret references, grace period (no field dropped as unknown)', async () => {
    const apps = config.makeApiClient(AppsV1Api);
    for (const name of ['r-cellbridge-worker', 'r-cellbridge-api']) {
      const stored: V1Deployment = await apps.readNamespacedDeployment({ name, namespace: NAMESPACE });
      const want = podSpec(one(rendered, 'Deployment', name));
      const got = stored.spec!.template.spec!;
      assert.deepEqual(stored.spec!.template.metadata?.labels, want.metadata.labels);
      assert.equal(got.securityContext?.runAsNonRoot, true);
      assert.equal(got.securityContext?.runAsUser, want.securityContext?.runAsUser);
      assert.equal(got.automountServiceAccountToken, false);
      assert.equal(got.terminationGracePeriodSeconds, want.terminationGracePeriodSeconds ?? 30);
      const [container, rendered0] = [got.containers[0]!, want.containers[0]!];
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
      assert.equal(container.livenessProbe?.httpGet?.path, rendered0.livenessProbe?.httpGet?.path);
      assert.equal(container.readinessProbe?.httpGet?.path, rendered0.readinessProbe?.httpGet?.path);
      assert.deepEqual({ ...env(container, 'CELLBRIDGE_CODEC_KEYS')?.valueFrom?.secretKeyRef }, { name: 'cellbridge-codec-ring', key: 'ring' });
    }
  });
});

function b64(pem: string): string {
  return Buffer.from(pem).toString('base64');
}

async function waitReady(url: string): Promise<ClusterAnswer> {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    const response = await fetch(url);
    assert.ok(response.ok, `the cluster vanished while starting (${response.status})`);
    const answer = (await response.json()) as ClusterAnswer;
    assert.notEqual(answer.state, 'failed', answer.error);
    if (answer.state === 'ready') return answer;
  }
  throw new Error('the cluster was not ready in time');
}
