/** Replays histories against the workflow code as every worker runs it: its failure converter and its workflow interceptors (tracing's, behind its patch). */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/workflow-code.ts';

const require = createRequire(import.meta.url);

export function replayAsWorkers(histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[]) {
  return Worker.runReplayHistories(
    {
      workflowsPath: require.resolve('../../workflows/index.ts'),
      dataConverter: { failureConverterPath: fileURLToPath(new URL('../../domain/failure-converter.ts', import.meta.url)) },
      interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
    },
    histories,
  );
}
