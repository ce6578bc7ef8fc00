// The pool's single etcd: every cluster's API server keeps its objects under its own
// prefix, so one small etcd serves them all.
import { join } from 'node:path';
import { startProcess, type RunningProcess } from '../child-process.ts';
import { freePort } from '../ports.ts';

export interface Etcd {
  url: string;
  /** Removes every key under `prefix` (a cluster's whole state). */
  deletePrefix(prefix: string): Promise<void>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

export async function startEtcd(bin: string, dir: string): Promise<Etcd> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const dataDir = join(dir, 'etcd');
  const etcd = await startProcess({
    name: 'etcd',
    command: bin,
    args: [
      '--name', 'pool', '--data-dir', dataDir, '--log-level', 'warn',
      '--listen-client-urls', url, '--advertise-client-urls', url,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `pool=${peerUrl}`,
    ],
    // One core and a tighter GC: etcd idles here, and the machine is shared with the API servers.
    env: { GOMAXPROCS: '1', GOGC: '50' },
    logFile: join(dir, 'etcd.log'),
  });
  try {
    await waitHealthy(url, etcd);
  } catch (error) {
    await etcd.stop('SIGKILL');
    throw error;
  }
  return {
    url,
    deletePrefix: (prefix) => deleteRange(url, prefix),
    stop: () => etcd.stop(),
  };
}

async function waitHealthy(url: string, etcd: RunningProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (etcd.child.exitCode !== null) throw new Error(`etcd exited (${etcd.child.exitCode}) before it was healthy`);
    const healthy = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (healthy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd at ${url} was not healthy within ${READY_TIMEOUT_MS} ms`);
}

/** DeleteRange through etcd's JSON gateway: keys are base64, range_end is the prefix's successor. */
async function deleteRange(url: string, prefix: string): Promise<void> {
  const key = Buffer.from(prefix);
  const end = Buffer.from(key);
  end.writeUInt8(key.at(-1)! + 1, end.length - 1); // prefixes end in '/', so no carry
  const response = await fetch(`${url}/v3/kv/deleterange`, {
    method: 'POST',
    body: JSON.stringify({ key: key.toString('base64'), range_end: end.toString('base64') }),
  });
  if (!response.ok) throw new Error(`etcd deleterange ${prefix} answered ${response.status}: ${await response.text()}`);
}
