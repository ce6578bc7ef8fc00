/**
 * The workflow bundle npm test builds once (CELLBRIDGE_WORKFLOW_BUNDLE), for a worker the
 * proving ground starts, but only while no workflow source is newer than the bundle: in a
 * working tree that changes under a running npm test, a worker would otherwise run today's
 * activities beside the workflows of an hour ago. Such a worker bundles its own at start.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './setup.ts';

/** What webpack puts in the bundle from this repository (besides node_modules). */
const SOURCES = ['workflows', 'domain'];

export function freshWorkflowBundle(env: NodeJS.ProcessEnv): string | undefined {
  const bundle = env.CELLBRIDGE_WORKFLOW_BUNDLE;
  if (!bundle) return undefined;
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return undefined;
  }
  return SOURCES.every((dir) => newestIn(join(REPO, dir)) <= built) ? bundle : undefined;
}

function newestIn(dir: string): number {
  const files = readdirSync(dir, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile());
  return Math.max(0, ...files.map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs));
}
