/**
 * A proving-ground stack for one benchmark, with the worker and the API started here
 * rather than by the stack: the benchmark needs the worker's process id (CPU seconds,
 * peak RSS) and a fresh worker per measurement.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningProcess } from '../sim/child-process.ts';
import { STACK_DIR } from '../sim/setup.ts';
import { startProduct, startStack, type Endpoints, type Stack } from '../sim/stack.ts';

export interface ProvingGround {
  endpoints: Endpoints;
  workerPid: number;
  apiPid: number;
  logs: string;
  stop(): Promise<void>;
}

/** Stopped on Ctrl-C as well: two shared cores cannot afford orphaned emulators and API servers. */
const live = new Set<ProvingGround>();
let hooked = false;

export async function startProvingGround(name: string, timeScale: number, options: { dataPlane?: boolean } = {}): Promise<ProvingGround> {
  hookSignals();
  const dir = join(STACK_DIR, 'bench', name);
  // Fresh every time: Temporal runs in memory, but the kube pool keeps etcd data under dir.
  rmSync(dir, { recursive: true, force: true });
  const stack: Stack = await startStack({ dir, timeScale, product: false, ...(options.dataPlane ? { dataPlane: true } : {}) });
  const logs = join(dir, 'logs');
  const product: RunningProcess[] = [];
  try {
    product.push(await startProduct('worker', stack.endpoints.productEnv, join(logs, 'worker.log')));
    product.push(await startProduct('api', stack.endpoints.productEnv, join(logs, 'api.log')));
  } catch (error) {
    for (const p of product.reverse()) await p.stop();
    await stack.stop();
    throw error;
  }
  const ground: ProvingGround = {
    endpoints: stack.endpoints,
    workerPid: product[0]!.child.pid!,
    apiPid: product[1]!.child.pid!,
    logs,
    stop: async () => {
      live.delete(ground);
      for (const p of product.reverse()) await p.stop();
      await stack.stop();
    },
  };
  live.add(ground);
  return ground;
}

function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the proving ground …`);
      void Promise.all([...live].map((g) => g.stop())).finally(() => process.exit(130));
    });
  }
}
