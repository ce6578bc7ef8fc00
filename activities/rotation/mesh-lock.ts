/**
 * A rotation holds its mesh through the mesh workflow's updates: the mesh accepts only
 * when it is up (Ready or Degraded) and no other rotation holds it, and it will not tear
 * down until the rotation lets go. Re-claiming with the same rotation ID is accepted,
 * so a retried activity is harmless. The hold is a lease: the mesh asks `running`
 * whether its holder still runs, so a terminated rotation cannot hold the mesh forever.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MESH_UPDATE, type RotatedCacerts } from '../../domain/rotation.ts';

export class MeshLock {
  constructor(private readonly client: Client) {}

  async claim(meshWorkflowId: string, rotationId: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(meshWorkflowId).executeUpdate(MESH_UPDATE.beginRotation, { args: [rotationId] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw ApplicationFailure.nonRetryable(`mesh refused the rotation: ${error.cause?.message ?? error.message}`, 'MeshBusy');
      }
      throw error;
    }
  }

  /** `cacerts`: what the rotation wrote, for the mesh to record (none from a drill or an older rotation). */
  async release(meshWorkflowId: string, rotationId: string, cacerts?: RotatedCacerts): Promise<void> {
    await this.client.workflow.getHandle(meshWorkflowId).executeUpdate(MESH_UPDATE.endRotation, { args: cacerts ? [rotationId, cacerts] : [rotationId] });
  }

  /** Whether the rotation workflow (its ID is the rotation ID) still runs; a missing one does not. */
  async running(rotationId: string): Promise<boolean> {
    try {
      const description = await this.client.workflow.getHandle(rotationId).describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}
