/**
 * A root rotation the mesh starts itself, once a change of its root's key type stands: the
 * same `rotateCa` workflow the API starts (its phases, checks, status and lease), under the
 * ID the mesh chose and already holds the mesh for. A retried start finds it started (or
 * already finished) and starts no second one.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import type { NamingVersion } from '../../domain/names.ts';
import { rotationWorkflowSummary } from '../../domain/workflow-summary.ts';
import type { rotateCa } from '../../workflows/rotate-ca.ts';

export class RotationStarter {
  constructor(private readonly client: Client, private readonly taskQueue: string) {}

  async startRoot(spec: MeshSpec, naming: NamingVersion, rotationId: string): Promise<void> {
    try {
      await this.client.workflow.start<typeof rotateCa>('rotateCa', {
        taskQueue: this.taskQueue,
        workflowId: rotationId,
        args: [{ spec, kind: 'root', naming }],
        // A rotation that already ran to its end under this ID is not run again by a retry.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: rotationWorkflowSummary('root', spec, 'change'),
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
}
