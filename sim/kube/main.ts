// CLI: tsx sim/kube/main.ts --port N --dir DIR --aws-endpoint URL [--log-dir DIR] [--fabric-url URL]
// The kube pool (sim/README.md, "Kubernetes control planes"). The stack's AWS credentials
// come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: they read Moto's EKS, and theirs is
// the only access key whose EKS tokens verify. Prints `READY http://127.0.0.1:<port>`.
import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../ports.ts';
import { ENVOY_BIN, ENVOY_BOOTSTRAP_TEMPLATE, KUBE_BIN, PILOT_AGENT_BIN, PILOT_DISCOVERY_BIN } from '../setup.ts';
import { AccessEntries } from './access-entry.ts';
import { startEtcd, type Etcd } from './etcd.ts';
import { EksWebhook } from './eks-webhook.ts';
import { HostsFile } from './hosts-file.ts';
import { startIstiodDns, type IstiodDns } from './istiod-dns.ts';
import { KubePool } from './pool.ts';
import { createPoolServer } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    dir: { type: 'string' },
    'aws-endpoint': { type: 'string' },
    /** Where the istiods the simulator runs write their logs (default: DIR). */
    'log-dir': { type: 'string' },
    /** The ARM emulator's GET /_sim/fabric: the backbone links follow its BGP sessions (fabric-backbones.ts). */
    'fabric-url': { type: 'string' },
  },
});
const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
if (!values.dir || !values['aws-endpoint'] || !accessKeyId || !secretAccessKey) {
  console.error('usage: AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… tsx sim/kube/main.ts --port N --dir DIR --aws-endpoint URL');
  process.exit(2);
}
const dir = resolve(values.dir);
const awsEndpoint = values['aws-endpoint'];
// The pool's clusters live exactly as long as the emulators that own them, which keep their
// state in memory: whatever a previous pool left in this directory is unreachable, so it goes.
for (const stale of ['etcd', 'clusters']) rmSync(join(dir, stale), { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const port = Number(values.port) || (await freePort());
const url = `http://127.0.0.1:${port}`;
let etcd: Etcd | undefined;
let pool: KubePool | undefined;
let server: Server | undefined;
let istiodDns: IstiodDns | undefined;

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  server?.close();
  await pool?.stop();
  await istiodDns?.stop();
  await etcd?.stop();
  process.exit(code);
};
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

try {
  etcd = await startEtcd(join(KUBE_BIN, 'etcd'), dir);
  // Real east-west gateways (pilot-agent + upstream Envoy in a network namespace per cell) are opt-in while the data plane is new.
  const dataPlane = process.env.CELLBRIDGE_SIM_DATAPLANE === '1' ? { pilotAgent: PILOT_AGENT_BIN, envoy: ENVOY_BIN, bootstrapTemplate: ENVOY_BOOTSTRAP_TEMPLATE } : undefined;
  const hosts = new HostsFile(dir);
  // With the data plane, istiods resolve peers' EKS gateway hostnames, which takes a name server on port 53.
  istiodDns = dataPlane ? await startIstiodDns(hosts.path, dir) : undefined;
  const istiod = { bin: PILOT_DISCOVERY_BIN, logDir: resolve(values['log-dir'] ?? dir), ...(istiodDns ? { nameserver: istiodDns.nameserver } : {}) };
  pool = new KubePool({ apiServerBin: join(KUBE_BIN, 'kube-apiserver'), dir, etcd, poolUrl: url, hosts, istiod, awsEndpoint, ...(dataPlane ? { dataPlane } : {}) });
  const webhook = new EksWebhook(
    { stsEndpoint: new URL(awsEndpoint), secrets: new Map([[accessKeyId, secretAccessKey]]) },
    new AccessEntries(awsEndpoint, { accessKeyId, secretAccessKey }),
  );
  const listening = createPoolServer(pool, webhook, values['fabric-url']);
  server = listening;
  await new Promise<void>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(port, '127.0.0.1', resolve);
  });
  console.log(`READY ${url}`);
} catch (error) {
  console.error(`the kube pool did not start: ${(error as Error).message}`);
  await stop(1);
}
