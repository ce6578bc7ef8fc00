// The pool's HTTP API (sim/README.md, "Kubernetes control planes") and the TokenReview
// webhook its EKS API servers call.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Backbones } from './backbones.ts';
import type { ClusterRequest } from './control-plane.ts';
import type { EksWebhook } from './eks-webhook.ts';
import { followFabric } from './fabric-backbones.ts';
import { serveFaultControl } from './faults.ts';
import { parseNodePool, parseNodePools, type NodePool } from './node-pool.ts';
import type { KubePool } from './pool.ts';

const KEY = '[a-z0-9-]{1,100}';
const CLUSTER_PATH = new RegExp(`^/clusters/(${KEY})$`);
const WEBHOOK_PATH = new RegExp(`^/webhook/eks/(${KEY})$`);
const NODE_POOL_PATH = new RegExp(`^/clusters/(${KEY})/node-pools/([^/]+)$`);
const PROXIES_PATH = new RegExp(`^/clusters/(${KEY})/proxies$`);
const BACKBONE_PATH = new RegExp(`^/backbones/(${KEY})/(${KEY})$`);
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';
/** AKS's default node subnet in the virtual network it manages. */
const DEFAULT_NODE_CIDR = '10.224.0.0/16';
const MAX_BODY = 1 << 20;

/** `fabricUrl`: the tunnel fabric (GET /_sim/fabric) the backbone links follow; without it they are driven through the API only. */
export function createPoolServer(pool: KubePool, webhook: EksWebhook, fabricUrl?: string): Server {
  const backbones = new Backbones(async (key) => (await pool.get(key))?.backboneEnd(), (line) => console.log(line));
  const cells = async () => (await pool.all()).map((plane) => ({ key: plane.key, flavor: plane.request.flavor, nodeCidr: plane.request.nodeCidr }));
  const unfollow = fabricUrl ? followFabric(fabricUrl, cells, backbones, (line) => console.log(line)) : () => undefined;
  const server = createServer((req, res) => {
    route(req, res, pool, webhook, backbones).catch((error: Error) => json(res, 500, { error: error.message }));
  });
  server.once('close', () => (unfollow(), backbones.close()));
  return server;
}

async function route(req: IncomingMessage, res: ServerResponse, pool: KubePool, webhook: EksWebhook, backbones: Backbones): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://pool').pathname;
  if (path.startsWith('/_sim/') && (await serveFaultControl(req, res, path))) return;
  if (path === '/clusters' && req.method === 'GET') {
    const clusters = (await pool.all()).map((plane) => ({ key: plane.key, name: plane.request.name, flavor: plane.request.flavor, state: plane.answer().state }));
    return json(res, 200, { clusters });
  }
  const cluster = CLUSTER_PATH.exec(path)?.[1];
  if (cluster && req.method === 'PUT') {
    const request = clusterRequest(await readJson(req));
    if (typeof request === 'string') return json(res, 400, { error: request });
    return json(res, 200, (await pool.put(cluster, request)).answer());
  }
  if (cluster && req.method === 'GET') {
    const plane = await pool.get(cluster);
    return plane ? json(res, 200, plane.answer()) : json(res, 404, { error: `no cluster ${cluster}` });
  }
  if (cluster && req.method === 'DELETE') {
    await pool.delete(cluster);
    backbones.forget(cluster);
    return void res.writeHead(204).end();
  }
  const [, owner, poolName] = NODE_POOL_PATH.exec(path) ?? [];
  if (owner && poolName && (req.method === 'PUT' || req.method === 'DELETE')) {
    const plane = await pool.get(owner);
    if (!plane) return json(res, 404, { error: `no cluster ${owner}` });
    if (req.method === 'DELETE') return (plane.deleteNodePool(poolName), void res.writeHead(204).end());
    const nodePool = parseNodePool(poolName, { ...((await readJson(req)) as object | undefined), name: poolName });
    if (typeof nodePool === 'string') return json(res, 400, { error: nodePool });
    plane.putNodePool(nodePool);
    return json(res, 200, plane.answer());
  }
  const proxiesOf = PROXIES_PATH.exec(path)?.[1];
  if (proxiesOf && req.method === 'GET') {
    const plane = await pool.get(proxiesOf);
    return plane ? json(res, 200, { proxies: await plane.proxies() }) : json(res, 404, { error: `no cluster ${proxiesOf}` });
  }
  const [, from, to] = BACKBONE_PATH.exec(path) ?? [];
  if (from && to) return backbone(req, res, backbones, from, to);
  const eks = WEBHOOK_PATH.exec(path)?.[1];
  if (eks && req.method === 'POST') {
    const review = (await readJson(req)) as { spec?: { token?: unknown } } | undefined;
    const plane = await pool.get(eks);
    const token = review?.spec?.token;
    const status =
      plane?.request.flavor !== 'eks' ? { authenticated: false, error: `no EKS cluster ${eks} in the pool` }
      : typeof token !== 'string' ? { authenticated: false, error: 'the TokenReview has no token' }
      : await webhook.review(token, { key: eks, name: plane.request.name, region: plane.request.region });
    return json(res, 200, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status });
  }
  json(res, cluster || eks || owner ? 405 : 404, { error: `no route ${req.method} ${path}` });
}

/** `PUT {"up": true|false}` makes the link if needed and brings it up or cuts it; GET reads it; DELETE removes it. */
async function backbone(req: IncomingMessage, res: ServerResponse, backbones: Backbones, a: string, b: string): Promise<void> {
  if (a === b) return json(res, 400, { error: 'a backbone links two different clusters' });
  if (req.method === 'PUT') {
    const up = ((await readJson(req)) as { up?: unknown } | undefined)?.up;
    if (typeof up !== 'boolean') return json(res, 400, { error: 'up must be true or false' });
    // A cell without a data plane (yet) is a state of the pool, not a fault of it.
    return backbones.put(a, b, up).then((state) => json(res, 200, state), (error: Error) => json(res, 409, { error: error.message }));
  }
  if (req.method === 'GET') {
    const state = await backbones.get(a, b);
    return state ? json(res, 200, state) : json(res, 404, { error: `no backbone between ${a} and ${b}` });
  }
  if (req.method === 'DELETE') return (await backbones.delete(a, b), void res.writeHead(204).end());
  json(res, 405, { error: `no route ${req.method} /backbones/${a}/${b}` });
}

/** The PUT body as a ClusterRequest, or what is wrong with it. */
function clusterRequest(body: unknown): ClusterRequest | string {
  const { flavor, name, region, serviceCidr = DEFAULT_SERVICE_CIDR, nodeCidr = DEFAULT_NODE_CIDR, nodePools } = (body ?? {}) as Record<string, unknown>;
  if (flavor !== 'eks' && flavor !== 'aks') return 'flavor must be "eks" or "aks"';
  if (typeof name !== 'string' || !name) return 'name must be a non-empty string';
  if (typeof region !== 'string' || !region) return 'region must be a non-empty string';
  if (typeof serviceCidr !== 'string' || !CIDR.test(serviceCidr)) return 'serviceCidr must be an IPv4 CIDR block';
  if (typeof nodeCidr !== 'string' || !CIDR.test(nodeCidr) || Number(nodeCidr.split('/')[1]) > 29) return 'nodeCidr must be an IPv4 CIDR block of /29 or larger';
  const pools = nodePools === undefined ? defaultNodePools(flavor, region, nodeCidr) : parseNodePools(nodePools);
  if (typeof pools === 'string') return pools;
  return { flavor, name, region, serviceCidr, nodeCidr, nodePools: pools };
}

/**
 * A request that names no node pools gets two nodes in the node subnet (what every cluster
 * of the pool had before the emulators told it their pools). `nodePools: []` means none:
 * an EKS cluster has no node until its first node group.
 */
function defaultNodePools(flavor: 'eks' | 'aks', region: string, nodeCidr: string): NodePool[] {
  const zones = flavor === 'eks' ? [`${region}a`, `${region}b`] : ['0'];
  return [{ name: flavor === 'eks' ? 'default' : 'nodepool1', count: 2, instanceType: flavor === 'eks' ? 'm6i.large' : 'Standard_D4s_v5', subnets: zones.map((zone) => ({ cidr: nodeCidr, zone })) }];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}
