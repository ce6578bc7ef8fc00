// Istio's own Helm charts (sim/istio/fetch.sh) installed by the real helm into the kube
// pool's real API servers, as the product will install them: multi-primary on different
// networks in sidecar mode on an AKS- and an EKS-flavoured cluster, then ambient mode.
// No pod runs; the pool's simulator makes workloads Ready, gives load balancers addresses,
// fills service-account token Secrets and finalizes deleted namespaces.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  AdmissionregistrationV1Api, ApiException, ApiextensionsV1Api, AppsV1Api, AuthenticationV1Api, CoreV1Api, CustomObjectsApi,
  KubeConfig, KubernetesObjectApi, loadAllYaml, loadYaml, RbacAuthorizationV1Api, type KubernetesObject, type V1Deployment,
} from '@kubernetes/client-node';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, ISTIO_DIR, setupStack } from '../../sim/setup.ts';

const run = promisify(execFile);
const CHARTS = join(ISTIO_DIR, 'charts', '1.31-dev');
const GATEWAY_API_CRDS = join(ISTIO_DIR, 'gateway-api', 'standard');
const NS = 'istio-system';
/** The source charts default to gcr.io/istio-testing:latest; the product sets both. Nothing pulls them here. */
const IMAGES = { hub: 'gcr.io/istio-testing', tag: '1.31-dev' };

interface Cluster {
  key: string;
  flavor: 'aks' | 'eks';
  name: string;
  region: string;
  network: string;
  /** The east-west gateway's Service annotations for an internal load balancer on this cloud. */
  internalLb: Record<string, string>;
  /** Set once the control plane is ready. */
  kubeconfigPath: string;
  kube: KubeConfig;
  caPem: string;
}

const AKS: Cluster = {
  key: 'aks-istio-west', flavor: 'aks', name: 'west', region: 'westeurope', network: 'network-west',
  internalLb: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' },
  kubeconfigPath: '', kube: new KubeConfig(), caPem: '',
};
const EKS: Cluster = {
  key: 'eks-us-east-1-east', flavor: 'eks', name: 'east', region: 'us-east-1', network: 'network-east',
  internalLb: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'external' },
  kubeconfigPath: '', kube: new KubeConfig(), caPem: '',
};
/** The node subnet the AKS cluster is given, where its internal load balancers take their IPs. */
const AKS_NODE_CIDR = '10.40.0.0/22';

let dir: string;
let pool: KubePoolHandle;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-istio-charts-'));
  // Only client certificates and service-account tokens are used here, so the EKS token
  // webhook never needs Moto: nothing listens at this AWS endpoint.
  pool = await startKubePool({
    port: await freePort(), dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' }, logFile: join(dir, 'kube.log'),
  });
  await Promise.all([AKS, EKS].map(async (cluster) => {
    const body = { flavor: cluster.flavor, name: cluster.name, region: cluster.region, ...(cluster.flavor === 'aks' ? { nodeCidr: AKS_NODE_CIDR } : {}) };
    await fetch(`${pool.url}/clusters/${cluster.key}`, { method: 'PUT', body: JSON.stringify(body) });
    const { endpoint, caPem } = await poolReady(cluster.key);
    connect(cluster, endpoint, caPem);
  }));
});

after(async () => {
  await pool?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function poolReady(key: string): Promise<{ endpoint: string; caPem: string }> {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    const answer = (await (await fetch(`${pool.url}/clusters/${key}`)).json()) as { state: string; endpoint: string; caPem: string; error?: string };
    assert.notEqual(answer.state, 'failed', answer.error);
    if (answer.state === 'ready') return answer;
  }
  throw new Error(`${key} was not ready in time`);
}

/** A kubeconfig (file for helm, object for the client) with the pool's own admin certificate of the cluster, as its owner would hold one. */
function connect(cluster: Cluster, endpoint: string, caPem: string): void {
  const pki = join(dir, 'kube', 'clusters', cluster.key);
  const b64 = (file: string) => readFileSync(join(pki, file)).toString('base64');
  const config = {
    apiVersion: 'v1', kind: 'Config', 'current-context': cluster.name,
    clusters: [{ name: cluster.name, cluster: { server: endpoint, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64('admin.pem'), 'client-key-data': b64('admin-key.pem') } }],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: 'admin' } }],
  };
  cluster.kubeconfigPath = join(dir, `${cluster.key}.kubeconfig`);
  writeFileSync(cluster.kubeconfigPath, JSON.stringify(config), { mode: 0o600 });
  cluster.kube.loadFromFile(cluster.kubeconfigPath);
  cluster.caPem = caPem;
}

/** `helm <args>` against the cluster; reports how long it took. */
async function helm(t: TestContext, cluster: Cluster, args: string[]): Promise<string> {
  const started = performance.now();
  const { stdout } = await run(HELM_BIN, [...args, '--kubeconfig', cluster.kubeconfigPath]);
  t.diagnostic(`${cluster.flavor}: helm ${args.slice(0, 3).join(' ')}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return stdout;
}

/** `helm upgrade --install` of one of the fetched charts into istio-system, with values as the product passes them (no --wait: nothing runs pods). */
function install(t: TestContext, cluster: Cluster, release: string, chart: string, values: object): Promise<string> {
  const file = join(dir, `${cluster.key}-${release}.values.json`);
  writeFileSync(file, JSON.stringify(values));
  return helm(t, cluster, ['upgrade', '--install', release, join(CHARTS, chart), '--namespace', NS, '--values', file]);
}

/** istio-system with its network label, made before any chart as the multi-network install wants it. */
async function createIstioNamespace(cluster: Cluster): Promise<void> {
  await cluster.kube.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS, labels: { 'topology.istio.io/network': cluster.network } } } });
}

function istiodValues(cluster: Cluster, extra: { profile?: string; env?: Record<string, string> } = {}): object {
  return {
    ...(extra.profile ? { profile: extra.profile } : {}),
    global: { ...IMAGES, meshID: 'mesh1', multiCluster: { clusterName: cluster.name }, network: cluster.network },
    meshConfig: { trustDomain: 'cluster.local', defaultConfig: { proxyMetadata: { PROXY_CONFIG_XDS_AGENT: 'true' } } },
    env: { ISTIO_MULTIROOT_MESH: 'true', ...extra.env },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The HTTP status an API call ends with: 200, or the ApiException's code. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

function ready(deployment: V1Deployment): boolean {
  const { spec, status } = deployment;
  return status?.observedGeneration === deployment.metadata?.generation
    && status?.readyReplicas === spec?.replicas
    && status?.availableReplicas === spec?.replicas
    && !!status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
}

const CROSS_NETWORK_GATEWAY = {
  apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'cross-network-gateway', namespace: NS },
  spec: { selector: { istio: 'eastwestgateway' }, servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }] },
};

function istioObject(cluster: Cluster, plural: string, body: { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: unknown }): Promise<unknown> {
  return cluster.kube.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: body.metadata.namespace, plural, body });
}

for (const cluster of [AKS, EKS]) {
  describe(`multi-primary, multi-network sidecar install on the ${cluster.flavor} cluster`, () => {
    const core = () => cluster.kube.makeApiClient(CoreV1Api);
    const apps = () => cluster.kube.makeApiClient(AppsV1Api);

    test('helm installs base, istiod (mesh1, its cluster name and network, multi-root) and the east-west gateway into istio-system', async (t) => {
      await createIstioNamespace(cluster);
      await install(t, cluster, 'istio-base', 'base', { global: IMAGES });
      await install(t, cluster, 'istiod', 'istiod', istiodValues(cluster));
      await until('istiod to be Ready', async () => (ready(await apps().readNamespacedDeployment({ name: 'istiod', namespace: NS })) ? true : undefined));
      await install(t, cluster, 'istio-eastwestgateway', 'gateway', { name: 'istio-eastwestgateway', networkGateway: cluster.network, service: { annotations: cluster.internalLb } });
      const releases = JSON.parse(await helm(t, cluster, ['list', '--namespace', NS, '--output', 'json'])) as { name: string; status: string }[];
      assert.deepEqual(releases.map((r) => `${r.name}:${r.status}`).sort(), ['istio-base:deployed', 'istio-eastwestgateway:deployed', 'istiod:deployed']);
    });

    test('istiod carries the values where Istio reads them: multi-root env, trust domain and XDS-agent proxy metadata, cluster name and network', async () => {
      const istiod = await apps().readNamespacedDeployment({ name: 'istiod', namespace: NS });
      const env = Object.fromEntries((istiod.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
      assert.equal(env.ISTIO_MULTIROOT_MESH, 'true');
      assert.equal(env.CLUSTER_ID, cluster.name);
      assert.equal(istiod.spec?.template.spec?.containers[0]?.image, `${IMAGES.hub}/pilot:${IMAGES.tag}`);
      const meshText = (await core().readNamespacedConfigMap({ name: 'istio', namespace: NS })).data?.mesh ?? '';
      const mesh = loadYaml<{ trustDomain?: string; defaultConfig?: { meshId?: string; proxyMetadata?: Record<string, string> } }>(meshText);
      assert.equal(mesh.trustDomain, 'cluster.local');
      assert.equal(mesh.defaultConfig?.meshId, 'mesh1');
      assert.equal(mesh.defaultConfig?.proxyMetadata?.PROXY_CONFIG_XDS_AGENT, 'true');
      const values = JSON.parse((await core().readNamespacedConfigMap({ name: 'values', namespace: NS })).data?.['merged-values'] ?? '{}') as { global?: { network?: string } };
      assert.equal(values.global?.network, cluster.network);
    });

    test('the east-west gateway Deployment becomes Ready through the simulator', async () => {
      await until('the east-west gateway to be Ready', async () => (ready(await apps().readNamespacedDeployment({ name: 'istio-eastwestgateway', namespace: NS })) ? true : undefined));
    });

    test(`the east-west Service gets an internal ${cluster.flavor === 'eks' ? 'ELB hostname' : 'IP from the node subnet'}, is labelled with the network and has ports 15021, 15443, 15012 and 15017`, async () => {
      const service = await until('a load-balancer address', async () => {
        const s = await core().readNamespacedService({ name: 'istio-eastwestgateway', namespace: NS });
        return s.status?.loadBalancer?.ingress?.length ? s : undefined;
      });
      const [ingress] = service.status!.loadBalancer!.ingress!;
      if (cluster.flavor === 'eks') assert.match(ingress!.hostname ?? '', /^k8s-istiosys-istioeas-[0-9a-f]{10}-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
      else assert.match(ingress!.ip ?? '', /^10\.40\.[0-3]\.\d{1,3}$/);
      assert.equal(service.spec?.type, 'LoadBalancer');
      assert.equal(service.metadata?.labels?.['topology.istio.io/network'], cluster.network);
      assert.deepEqual(service.spec?.ports?.map((p) => p.port), [15021, 15443, 15012, 15017]);
    });

    test('a token Secret for istio-reader-service-account gets a token the API server accepts, with the cluster CA: it reads cluster-wide, but writes nothing', async () => {
      const name = 'istio-reader-service-account-istio-remote-secret-token';
      await core().readNamespacedServiceAccount({ name: 'istio-reader-service-account', namespace: NS });
      await core().createNamespacedSecret({
        namespace: NS,
        body: { metadata: { name, annotations: { 'kubernetes.io/service-account.name': 'istio-reader-service-account' } }, type: 'kubernetes.io/service-account-token' },
      });
      const data = await until('the token', async () => {
        const secret = await core().readNamespacedSecret({ name, namespace: NS });
        return secret.data?.token && secret.data['ca.crt'] ? secret.data : undefined;
      });
      assert.equal(Buffer.from(data['ca.crt']!, 'base64').toString(), cluster.caPem);
      const reader = new KubeConfig();
      reader.loadFromOptions({
        clusters: [{ name: 'c', server: cluster.kube.getCurrentCluster()!.server, caData: data['ca.crt'] }],
        users: [{ name: 'reader', token: Buffer.from(data.token!, 'base64').toString() }],
        contexts: [{ name: 'c', cluster: 'c', user: 'reader' }],
        currentContext: 'c',
      });
      const review = await reader.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
      assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${NS}:istio-reader-service-account`);
      const names = (await reader.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
      assert.ok(names.includes(NS));
      assert.equal(await statusOf(reader.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'not-for-readers' } } })), 403);
    });

    test('a cross-network Gateway (AUTO_PASSTHROUGH on 15443) and a DestinationRule are admitted while istiod\'s validators fail open (Ignore)', async (t) => {
      const started = performance.now();
      await istioObject(cluster, 'gateways', CROSS_NETWORK_GATEWAY);
      await istioObject(cluster, 'destinationrules', {
        apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'reviews', namespace: NS },
        spec: { host: 'reviews.default.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
      });
      t.diagnostic(`${cluster.flavor}: the first Gateway and DestinationRule admitted in ${((performance.now() - started) / 1000).toFixed(2)} s`);
      const policies = (await cluster.kube.makeApiClient(AdmissionregistrationV1Api).listValidatingWebhookConfiguration()).items.flatMap((w) => w.webhooks?.map((h) => h.failurePolicy) ?? []);
      assert.deepEqual([...new Set(policies)], ['Ignore']);
    });

    test('a DestinationRule whose trafficPolicy is a string is rejected by the CRD schema (422)', async () => {
      const invalid = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'invalid', namespace: NS }, spec: { host: 'reviews', trafficPolicy: 'ISTIO_MUTUAL' } };
      assert.equal(await statusOf(istioObject(cluster, 'destinationrules', invalid)), 422);
    });

    test('once base and istiod are upgraded (a second `helm upgrade --install`) their validators fail closed: with no istiod ready behind them an Istio resource is refused at once ("no endpoints"), and once istiod is ready again they fail open, as its served validators would admit it', async (t) => {
      // The charts set failurePolicy Ignore on install only; on upgrade they leave it to the running istiod, which serves them in a cluster (sim/kube/simulator/served-webhooks.ts).
      const scaleIstiod = (replicas: number) => apps().replaceNamespacedDeploymentScale({ name: 'istiod', namespace: NS, body: { metadata: { name: 'istiod', namespace: NS }, spec: { replicas } } });
      await scaleIstiod(0);
      await until('istiod to be stopped', async () => ((await apps().readNamespacedDeployment({ name: 'istiod', namespace: NS })).status?.readyReplicas ? undefined : true));
      // The chart leaves replicas to its autoscaler, so the upgrade keeps istiod at zero.
      await install(t, cluster, 'istio-base', 'base', { global: IMAGES });
      await install(t, cluster, 'istiod', 'istiod', istiodValues(cluster));
      const started = performance.now();
      const gateway = { ...CROSS_NETWORK_GATEWAY, metadata: { name: 'after-upgrade', namespace: NS } };
      const error = await istioObject(cluster, 'gateways', gateway).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof ApiException, 'the Gateway was admitted');
      assert.equal(error.code, 500);
      assert.match((JSON.parse(String(error.body)) as { message: string }).message, /failed calling webhook "validation\.istio\.io".*no endpoints available for service "istiod"/);
      // A call to the Service's cluster IP, which nothing routes here, would have waited for the webhook's 10 s timeout.
      assert.ok(performance.now() - started < 9_000);
      await scaleIstiod(1);
      await until('istiod to be Ready', async () => (ready(await apps().readNamespacedDeployment({ name: 'istiod', namespace: NS })) ? true : undefined), 60_000);
      await until('the Gateway to be admitted', async () => ((await statusOf(istioObject(cluster, 'gateways', gateway))) === 200 ? true : undefined));
      const policies = (await cluster.kube.makeApiClient(AdmissionregistrationV1Api).listValidatingWebhookConfiguration()).items.flatMap((w) => w.webhooks?.map((h) => h.failurePolicy) ?? []);
      assert.deepEqual([...new Set(policies)], ['Ignore']);
    });

    if (cluster === AKS) {
      test('helm uninstall of the three releases and deleting istio-system leave nothing of Istio but the CRDs, which the base chart keeps on purpose; deleting those leaves nothing', async (t) => {
        // --wait as the product uninstalls: it returns once what helm deleted is gone.
        for (const release of ['istio-eastwestgateway', 'istiod', 'istio-base']) await helm(t, cluster, ['uninstall', release, '--namespace', NS, '--wait', '--timeout', '2m']);
        await core().deleteNamespace({ name: NS });
        await until('istio-system to be gone', async () => ((await statusOf(core().readNamespace({ name: NS }))) === 404 ? true : undefined));
        assert.deepEqual((await istioLeftovers(cluster)).clusterScoped, []);
        const extensions = cluster.kube.makeApiClient(ApiextensionsV1Api);
        const kept = (await extensions.listCustomResourceDefinition()).items.filter((c) => c.spec.group.endsWith('istio.io'));
        assert.ok(kept.length > 0 && kept.every((c) => c.metadata?.annotations?.['helm.sh/resource-policy'] === 'keep'), 'the CRDs are kept by their resource policy');
        // As Istio's uninstall instructions do: the CRDs go by hand.
        await Promise.all(kept.map((c) => extensions.deleteCustomResourceDefinition({ name: c.metadata!.name! })));
        await until('the CRDs to be gone', async () => ((await istioLeftovers(cluster)).crds.length ? undefined : true));
        assert.deepEqual(await istioLeftovers(cluster), { crds: [], clusterScoped: [] });
      });
    }
  });
}

/** Istio's CRDs, and any cluster-scoped object (RBAC, webhooks, admission policies) named after Istio. */
async function istioLeftovers(cluster: Cluster): Promise<{ crds: string[]; clusterScoped: string[] }> {
  const rbac = cluster.kube.makeApiClient(RbacAuthorizationV1Api);
  const admission = cluster.kube.makeApiClient(AdmissionregistrationV1Api);
  const lists: Record<string, Promise<{ items: KubernetesObject[] }>> = {
    ClusterRole: rbac.listClusterRole(),
    ClusterRoleBinding: rbac.listClusterRoleBinding(),
    MutatingWebhookConfiguration: admission.listMutatingWebhookConfiguration(),
    ValidatingWebhookConfiguration: admission.listValidatingWebhookConfiguration(),
    ValidatingAdmissionPolicy: admission.listValidatingAdmissionPolicy(),
    ValidatingAdmissionPolicyBinding: admission.listValidatingAdmissionPolicyBinding(),
  };
  const named = await Promise.all(Object.entries(lists).map(async ([kind, list]) => (await list).items.map((o) => `${kind} ${o.metadata?.name ?? ''}`)));
  const crds = (await cluster.kube.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items;
  return {
    crds: crds.map((c) => c.metadata?.name ?? '').filter((n) => n.endsWith('istio.io')).sort(),
    clusterScoped: named.flat().filter((n) => /istio/.test(n)),
  };
}

describe('ambient multi-network install on the aks cluster (after the sidecar install was removed)', () => {
  const cluster = AKS;

  test('the Gateway API CRDs apply', async (t) => {
    const started = performance.now();
    const objects = readdirSync(GATEWAY_API_CRDS).flatMap((file) => loadAllYaml(readFileSync(join(GATEWAY_API_CRDS, file), 'utf8')) as KubernetesObject[]);
    const client = KubernetesObjectApi.makeApiClient(cluster.kube);
    for (const object of objects) await client.create(object);
    t.diagnostic(`aks: ${objects.length} Gateway API objects applied in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const names = (await cluster.kube.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items.map((c) => c.metadata?.name);
    assert.ok(names.includes('gateways.gateway.networking.k8s.io'));
  });

  test('helm installs base, istiod (ambient, multi-network), istio-cni and ztunnel, and their DaemonSets report a pod on each of the 2 nodes', async (t) => {
    await createIstioNamespace(cluster);
    await install(t, cluster, 'istio-base', 'base', { profile: 'ambient', global: IMAGES });
    await install(t, cluster, 'istiod', 'istiod', istiodValues(cluster, { profile: 'ambient', env: { AMBIENT_ENABLE_MULTI_NETWORK: 'true' } }));
    await install(t, cluster, 'istio-cni', 'cni', { profile: 'ambient', global: IMAGES });
    await install(t, cluster, 'ztunnel', 'ztunnel', { multiCluster: { clusterName: cluster.name }, global: { ...IMAGES, network: cluster.network } });
    const apps = cluster.kube.makeApiClient(AppsV1Api);
    const istiod = await until('istiod to be Ready', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'istiod', namespace: NS });
      return ready(d) ? d : undefined;
    });
    const env = Object.fromEntries((istiod.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.AMBIENT_ENABLE_MULTI_NETWORK, 'true');
    assert.equal(env.PILOT_ENABLE_AMBIENT, 'true');
    for (const name of ['istio-cni-node', 'ztunnel']) {
      await until(`${name} to report 2 ready pods`, async () => {
        const status = (await apps.readNamespacedDaemonSet({ name, namespace: NS })).status;
        return status?.desiredNumberScheduled === 2 && status.numberReady === 2 && status.numberAvailable === 2 ? true : undefined;
      });
    }
  });

  test('an east-west Gateway of class istio-east-west with an HBONE listener on 15008 applies', async () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
      metadata: { name: 'istio-eastwestgateway', namespace: NS, labels: { 'topology.istio.io/network': cluster.network } },
      spec: {
        gatewayClassName: 'istio-east-west',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', tls: { mode: 'Terminate', options: { 'gateway.istio.io/tls-terminate-mode': 'ISTIO_MUTUAL' } } }],
      },
    };
    const created = (await cluster.kube.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io', version: 'v1', namespace: NS, plural: 'gateways', body: gateway,
    })) as { spec: { listeners: { port: number; protocol: string }[] } };
    assert.deepEqual(created.spec.listeners.map((l) => `${l.protocol}/${l.port}`), ['HBONE/15008']);
  });
});
