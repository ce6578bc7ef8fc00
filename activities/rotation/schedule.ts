/**
 * The mesh's rotation schedule, a Temporal Schedule visible in the Web UI: intermediates
 * rotated every `intervalHours` with jitter, overlapping runs skipped. Created before the
 * mesh is seen up (an existing one, left by an earlier mesh of the same name, is brought to
 * this spec), deleted at teardown and by a rollback that follows its creation; both idempotent.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import type { NamingVersion } from '../../domain/names.ts';
import { rotationWorkflowSummary } from '../../domain/workflow-summary.ts';
import { rotationScheduleId, rotationWorkflowIdPrefix } from '../../domain/rotation.ts';
import type { rotateCa } from '../../workflows/rotate-ca.ts';

export class RotationSchedules {
  constructor(private readonly client: Client, private readonly taskQueue: string) {}

  async ensure(spec: MeshSpec, naming: NamingVersion): Promise<void> {
    const { intervalHours, jitterMinutes } = spec.pki.rotation;
    const timing = { intervals: [{ every: `${intervalHours}h` }], jitter: `${jitterMinutes}m` };
    const action = {
      type: 'startWorkflow',
      workflowType: 'rotateCa',
      args: [{ spec, kind: 'intermediate', naming }],
      taskQueue: this.taskQueue,
      workflowId: `${rotationWorkflowIdPrefix(spec.name)}scheduled`,
      // Each run it starts shows this line in the Web UI, as a rotation started through the API does.
      staticSummary: rotationWorkflowSummary('intermediate', spec, 'schedule'),
    } as const;
    try {
      await this.client.schedule.create<typeof rotateCa>({
        scheduleId: rotationScheduleId(spec.name),
        spec: timing,
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
        memo: { mesh: spec.name },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      // Its rotations would otherwise run with the spec and names of whoever created it.
      await this.client.schedule.getHandle(rotationScheduleId(spec.name)).update<typeof rotateCa>((previous) => ({ ...previous, spec: timing, action }));
    }
  }

  async remove(mesh: string): Promise<void> {
    try {
      await this.client.schedule.getHandle(rotationScheduleId(mesh)).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
  }
}
