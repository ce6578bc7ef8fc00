/**
 * A worker running the product's workflows on a test server with the activities a workflow
 * test gives it (stubs at the activity boundary, or the product's own where the test reads
 * Temporal's word back). One copy of this setup, so that the mesh harness's worker and the
 * second worker a test starts on a task queue of its own (rotations, drills) run the same
 * workflow code the same way: the product's failure converter included, so that a failure
 * reaches the test as it reaches the product's clients.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const WORKFLOWS = require.resolve('../../workflows/index.ts');
const FAILURE_CONVERTER = fileURLToPath(new URL('../../domain/failure-converter.ts', import.meta.url));

export interface StubWorker {
  /** Shuts the worker down and waits for it to finish: before the test server goes. */
  stop(): Promise<void>;
}

/** `workflowInterceptorModules`: what a production worker bundles besides the workflows (tracing's), for a test of that path. */
export async function startStubWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: WorkerOptions['activities'],
  options: { workflowInterceptorModules?: string[] } = {},
): Promise<StubWorker> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowsPath: WORKFLOWS,
    ...(options.workflowInterceptorModules ? { interceptors: { workflowModules: options.workflowInterceptorModules } } : {}),
    activities,
    dataConverter: { failureConverterPath: FAILURE_CONVERTER },
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}
