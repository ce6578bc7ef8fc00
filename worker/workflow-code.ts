/**
 * The worker's workflow code: a bundle built ahead of time (CELLBRIDGE_WORKFLOW_BUNDLE), or
 * the sources, bundled with webpack when the worker starts (seconds of CPU on every start).
 * Both carry the same failure converter and the same workflow interceptors
 * (workflows/tracing-interceptors.ts), so a worker reads the same histories either way.
 */
import { createRequire } from 'node:module';
import { renameSync, writeFileSync } from 'node:fs';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../domain/settings.ts';

const require = createRequire(import.meta.url);
const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');
/** OpenTelemetry's workflow interceptors, behind their patch: spans for the workflow's run and what it schedules. */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/tracing-interceptors.ts')];

export function workflowCode(env: NodeJS.ProcessEnv): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = env.CELLBRIDGE_WORKFLOW_BUNDLE;
  return bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH };
}

/** For WorkerOptions.interceptors.workflowModules: the sources are bundled with them; a prebuilt bundle has them already. */
export function workflowInterceptorModules(env: NodeJS.ProcessEnv): string[] | undefined {
  return env.CELLBRIDGE_WORKFLOW_BUNDLE ? undefined : WORKFLOW_INTERCEPTOR_MODULES;
}

/** Bundles the workflows as a starting worker would, into `file`, for CELLBRIDGE_WORKFLOW_BUNDLE. */
export async function writeWorkflowBundle(file: string): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  // Renamed into place: a worker starting meanwhile reads the old bundle or the new one, never half of one.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, file);
}
