/** `tsx worker/bundle.ts <file>`: writes the workflow bundle a worker loads with CELLBRIDGE_WORKFLOW_BUNDLE=<file>. */
import { resolve } from 'node:path';
import { writeWorkflowBundle } from './workflow-code.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: tsx worker/bundle.ts <file>');
  process.exit(2);
}
await writeWorkflowBundle(resolve(file));
