// Starts the kube pool (sim/kube/main.ts) as a child process of the stack or of a test.
import { dirname, join } from 'node:path';
import { startProcess, type RunningProcess } from '../child-process.ts';
import { REPO } from '../setup.ts';

export interface KubePoolOptions {
  /** Fixed up front, so the emulators can be given the pool's URL before it runs. */
  port: number;
  /** etcd data and every cluster's files and logs. */
  dir: string;
  /** Moto's URL: its EKS (access entries) and its STS (whom tokens name). */
  awsEndpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The pool's log; the istiods it runs log beside it (`istiod/<cluster>-<namespace>-<name>.log`). */
  logFile: string;
  /** Run the cells' data plane (CELLBRIDGE_SIM_DATAPLANE=1: real gateways, sidecars, probes, backbone links). */
  dataPlane?: boolean;
  /** The tunnel fabric the backbone links follow (GET /_sim/fabric on the ARM emulator), and the CA its TLS certificate chains to. */
  fabric?: { url: string; caPath: string };
}

export interface KubePoolHandle extends RunningProcess {
  url: string;
}

export async function startKubePool(options: KubePoolOptions): Promise<KubePoolHandle> {
  const running = await startProcess({
    name: 'kube-pool',
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO, 'sim', 'kube', 'main.ts'), '--port', String(options.port), '--dir', options.dir, '--aws-endpoint', options.awsEndpoint, '--log-dir', dirname(options.logFile),
      ...(options.fabric ? ['--fabric-url', options.fabric.url] : [])],
    env: {
      AWS_ACCESS_KEY_ID: options.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
      ...(options.dataPlane ? { CELLBRIDGE_SIM_DATAPLANE: '1' } : {}),
      ...(options.fabric ? { NODE_EXTRA_CA_CERTS: options.fabric.caPath } : {}),
    },
    ready: /^READY /,
    logFile: options.logFile,
  });
  return Object.assign(running, { url: `http://127.0.0.1:${options.port}` });
}
