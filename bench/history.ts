/**
 * What a mesh workflow's history says about a run, read with the Temporal client:
 * when each phase began (the CellbridgePhase search-attribute upserts, recorded by the
 * server, so no polling error), every activity's schedule, start and close times, the
 * resource node each create/delete activity worked on (its input, decrypted with the
 * stack's codec key), workflow-task latencies and the number of events.
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../domain/payload-codec.ts';
import type { Endpoints } from '../sim/stack.ts';

const { temporal } = proto;
const T = temporal.api.enums.v1.EventType;
type Event = proto.temporal.api.history.v1.IHistoryEvent;

export interface ActivityRun {
  type: string;
  /** The resource node id, for the create and delete activities. */
  node?: string;
  scheduledMs: number;
  startedMs?: number;
  closedMs?: number;
  /** The attempt that the started event records: >1 means it was retried. */
  attempt?: number;
  outcome?: 'completed' | 'failed' | 'canceled' | 'timed-out';
}

export interface RunHistory {
  events: number;
  startedMs: number;
  /** Every phase entered, in order, with the server's time of the upsert. */
  phases: { phase: string; atMs: number }[];
  activities: ActivityRun[];
  /** WorkflowTaskScheduled → WorkflowTaskStarted, ms. */
  workflowTaskLatencies: number[];
  /** Durable timers (workflow sleeps): asked for, and started → fired, ms. */
  timers: { requestedMs: number; firedAfterMs: number }[];
}

export interface HistoryReader {
  read(workflowId: string, options?: { decodeNodes?: boolean }): Promise<RunHistory>;
  close(): Promise<void>;
}

export async function historyReader(e: Endpoints): Promise<HistoryReader> {
  const connection = await Connection.connect({ address: e.temporal.address });
  const client = new Client({ connection });
  const codec = new AesGcmPayloadCodec(e.productEnv.CELLBRIDGE_CODEC_KEY_ID!, Buffer.from(e.productEnv.CELLBRIDGE_CODEC_KEY!, 'base64'));
  return {
    async read(workflowId, options = {}) {
      // A mesh continues as new once it is up: its provisioning is in the first run of the chain,
      // its teardown in the last. Each run is summarised on its own (event IDs restart per run).
      const runs: RunHistory[] = [];
      let runId: string | undefined;
      do {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        runs.unshift(await summarize(history.events ?? [], options.decodeNodes ? codec : undefined));
        runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      } while (runId);
      return runs.reduce((all, run) => ({
        events: all.events + run.events,
        startedMs: all.startedMs,
        phases: [...all.phases, ...run.phases],
        activities: [...all.activities, ...run.activities],
        workflowTaskLatencies: [...all.workflowTaskLatencies, ...run.workflowTaskLatencies],
        timers: [...all.timers, ...run.timers],
      }));
    },
    close: () => connection.close(),
  };
}

async function summarize(events: Event[], codec: AesGcmPayloadCodec | undefined): Promise<RunHistory> {
  const byScheduled = new Map<number, ActivityRun>();
  const workflowTasks = new Map<number, number>();
  const phases: RunHistory['phases'] = [];
  const workflowTaskLatencies: number[] = [];
  const timerStarts = new Map<number, { at: number; requestedMs: number }>();
  const timers: RunHistory['timers'] = [];
  for (const event of events) {
    const at = ms(event.eventTime);
    const id = Number(event.eventId);
    switch (event.eventType) {
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = event.activityTaskScheduledEventAttributes!;
        const type = a.activityType?.name ?? '?';
        const node = codec && /^(create|delete)[A-Z]/.test(type) ? await nodeId(codec, a.input?.payloads?.[0]) : undefined;
        byScheduled.set(id, { type, ...(node ? { node } : {}), scheduledMs: at });
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = event.activityTaskStartedEventAttributes!;
        const run = byScheduled.get(Number(a.scheduledEventId));
        // For activities with a retry policy the server writes this event when the attempt ends, stamped with the attempt's start time.
        if (run) Object.assign(run, { startedMs: at, attempt: a.attempt ?? 1 });
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        close(byScheduled, event.activityTaskCompletedEventAttributes?.scheduledEventId, at, 'completed');
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        close(byScheduled, event.activityTaskFailedEventAttributes?.scheduledEventId, at, 'failed');
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
        close(byScheduled, event.activityTaskCanceledEventAttributes?.scheduledEventId, at, 'canceled');
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        close(byScheduled, event.activityTaskTimedOutEventAttributes?.scheduledEventId, at, 'timed-out');
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        workflowTasks.set(id, at);
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const scheduled = workflowTasks.get(Number(event.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (scheduled !== undefined) workflowTaskLatencies.push(at - scheduled);
        break;
      }
      case T.EVENT_TYPE_TIMER_STARTED: {
        const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
        timerStarts.set(id, { at, requestedMs: Number(timeout?.seconds ?? 0) * 1000 + Math.round((timeout?.nanos ?? 0) / 1e6) });
        break;
      }
      case T.EVENT_TYPE_TIMER_FIRED: {
        const started = timerStarts.get(Number(event.timerFiredEventAttributes?.startedEventId));
        if (started) timers.push({ requestedMs: started.requestedMs, firedAfterMs: at - started.at });
        break;
      }
      case T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const field = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.CellbridgePhase;
        if (field?.data) phases.push({ phase: JSON.parse(Buffer.from(field.data).toString()), atMs: at });
        break;
      }
    }
  }
  return { events: events.length, startedMs: events.length ? ms(events[0]!.eventTime) : 0, phases, activities: [...byScheduled.values()], workflowTaskLatencies, timers };
}

function close(runs: Map<number, ActivityRun>, scheduledEventId: unknown, at: number, outcome: ActivityRun['outcome']): void {
  const run = runs.get(Number(scheduledEventId));
  if (run) Object.assign(run, { closedMs: at, outcome });
}

async function nodeId(codec: AesGcmPayloadCodec, payload: proto.temporal.api.common.v1.IPayload | undefined): Promise<string | undefined> {
  if (!payload) return undefined;
  const [plain] = await codec.decode([payload]);
  try {
    return (JSON.parse(Buffer.from(plain!.data ?? []).toString()) as { id?: string }).id;
  } catch {
    return undefined;
  }
}

function ms(ts: proto.google.protobuf.ITimestamp | null | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds ?? 0) * 1000 + Math.round((ts.nanos ?? 0) / 1e6);
}

/** The first time the run entered `phase`, if it did. */
export function phaseAt(history: RunHistory, phase: string): number | undefined {
  return history.phases.find((p) => p.phase === phase)?.atMs;
}

/** Schedule-to-start of first attempts (a retried activity's started event is its last attempt's). */
export function scheduleToStart(history: RunHistory): { latencies: number[]; retried: number } {
  const latencies: number[] = [];
  let retried = 0;
  for (const a of history.activities) {
    if (a.startedMs === undefined) continue;
    if ((a.attempt ?? 1) > 1) retried++;
    else latencies.push(a.startedMs - a.scheduledMs);
  }
  return { latencies, retried };
}
