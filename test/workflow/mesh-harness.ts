/**
 * A real Temporal dev server (the proving ground's `temporal` binary, through
 * @temporalio/testing) and a worker running the product's workflows, with the cloud and
 * Kubernetes activities stubbed at the activity boundary. The rotation lock and the
 * rotation schedule are the product's own activities against that server, so what the
 * tests read back (schedules, runs, histories) is Temporal's word, not a stub's.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { Client, ScheduleNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DriftFindings } from '../../activities/drift-check.ts';
import type { MeshActivities } from '../../activities/index.ts';
import type { RotationActivities } from '../../activities/rotation/index.ts';
import { MeshLock } from '../../activities/rotation/mesh-lock.ts';
import { RotationSchedules } from '../../activities/rotation/schedule.ts';
import { RESOURCE_KINDS, resourceActivityName, type ResourceKind } from '../../domain/activity-names.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowId, SEARCH_ATTRIBUTE } from '../../domain/mesh-status.ts';
import { rotationScheduleId } from '../../domain/rotation.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { DEFAULT_WORKFLOW_SETTINGS, type WorkflowSettings } from '../../domain/workflow-settings.ts';
import type * as workflows from '../../workflows/index.ts';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/workflow-code.ts';
import { historyChain } from '../support/history.ts';
import { startStubWorker } from '../support/stub-worker.ts';
import { exampleSpec } from '../support/stack.ts';

const TEMPORAL = fileURLToPath(new URL('../../.stack/venv/bin/temporal', import.meta.url));
export const MESH_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTE.mesh, SearchAttributeType.KEYWORD);
export const PHASE_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTE.phase, SearchAttributeType.KEYWORD);

/** What the stubs do: every create and delete succeeds unless its kind is listed here; updates always do. */
export interface Faults {
  failCreate: Set<ResourceKind>;
  /** The next create of each of these kinds fails, once (a rollback that makes the kind again then succeeds). */
  failCreateOnce: Set<ResourceKind>;
  /** Creates of these kinds do not finish while listed (like a 45-minute gateway): they heartbeat until cancelled or unlisted. */
  holdCreate: Set<ResourceKind>;
  failDelete: Set<ResourceKind>;
  /** How many of the next tunnel observations and cluster probes fail (a cloud API that does not answer for a while). */
  failObservations: number;
  failProbes: number;
  /** While set, every tunnel observation answers all four tunnels down (BGP not established). */
  tunnelsDown: boolean;
  /** The next answers of checkDrift, oldest first; once used up, nothing has drifted. */
  driftFindings: DriftFindings[];
  /** checkDrift does not finish while set (a check reading a slow cloud). */
  holdDrift: boolean;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  client: Client;
  taskQueue: string;
  faults: Faults;
  stop(): Promise<void>;
}

/** `traced`: the worker runs the workflow interceptors production workers bundle (tracing's, behind its patch) and the client starts runs with a trace header, as a tracing API does, so runs carry its marker. */
export async function startHarness(taskQueue = 'cellbridge-test', options: { traced?: boolean } = {}): Promise<Harness> {
  if (!existsSync(TEMPORAL)) throw new Error(`${TEMPORAL} is missing: run the proving ground's setup (npx tsx sim/setup.ts) first`);
  // Injected failures are expected here; the SDK's per-activity warnings would bury the test report.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: TEMPORAL }, searchAttributes: [MESH_KEY, PHASE_KEY] },
  });
  const faults: Faults = { failCreate: new Set(), failCreateOnce: new Set(), holdCreate: new Set(), failDelete: new Set(), failObservations: 0, failProbes: 0, tunnelsDown: false, driftFindings: [], holdDrift: false };
  const worker = await startStubWorker(env, taskQueue, stubActivities(env.client, taskQueue, faults), options.traced ? { workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES } : {});
  return {
    env,
    client: options.traced ? new Client({ connection: env.connection, namespace: env.namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }) : env.client,
    taskQueue,
    faults,
    async stop() {
      await worker.stop();
      await env.teardown();
    },
  };
}

/** The cloud and cluster side answers at once; rotation lock and schedule are the product's, against the test server. */
function stubActivities(client: Client, taskQueue: string, faults: Faults): Partial<MeshActivities> {
  const lock = new MeshLock(client);
  const schedules = new RotationSchedules(client, taskQueue);
  const resources = Object.fromEntries(
    RESOURCE_KINDS.flatMap((kind) => [
      [resourceActivityName('create', kind), async (node: ResourceNode) => {
        if (faults.failCreate.has(kind) || faults.failCreateOnce.delete(kind)) throw ApplicationFailure.nonRetryable(`injected create failure of ${node.id}`, 'Injected');
        if (faults.holdCreate.has(kind)) {
          const context = Context.current();
          while (faults.holdCreate.has(kind)) {
            context.heartbeat();
            await context.sleep(100); // rejects once the cancellation arrives with a heartbeat response
          }
        }
        return { cloudId: `stub-${node.id}`, state: 'available' };
      }],
      [resourceActivityName('update', kind), async (node: ResourceNode) => ({ cloudId: `stub-${node.id}`, state: 'available' })],
      [resourceActivityName('delete', kind), async (node: ResourceNode) => {
        if (faults.failDelete.has(kind)) throw ApplicationFailure.nonRetryable(`injected delete failure of ${node.id}`, 'Injected');
        return { state: 'deleted' as const };
      }],
    ]),
  );
  return {
    ...resources,
    observeTunnels: async (input) => {
      if (faults.failObservations > 0 && faults.failObservations--) throw ApplicationFailure.nonRetryable('injected: VPN status not readable', 'Injected');
      const up = !faults.tunnelsDown;
      // As the real activity does: a waiting observation of tunnels that stay down answers once its wait is over.
      if (!up && input.wait) await Context.current().sleep(input.wait.forMs);
      return input.tunnels.map((t, index) => ({
        index,
        insideCidr: t.insideCidr,
        aws: up ? { outsideIp: `203.0.113.${index}`, status: 'UP', message: '1 BGP ROUTES', acceptedRoutes: 1 } : { outsideIp: `203.0.113.${index}`, status: 'DOWN', message: 'IPSEC IS DOWN', acceptedRoutes: 0 },
        azure: up ? { neighbor: `169.254.21.${index}`, state: 'Connected', routesReceived: 1 } : { neighbor: `169.254.21.${index}`, state: 'Connecting', routesReceived: 0 },
        established: up,
      }));
    },
    observeLearnedRoutes: async () => ({ azureFromAws: ['10.10.0.0/16'], awsFromAzure: ['10.20.0.0/16'] }),
    probeClusterAccess: async (ref) => {
      if (faults.failProbes > 0 && faults.failProbes--) throw ApplicationFailure.nonRetryable(`injected: ${ref.cell} API server not answering`, 'Injected');
      return { cell: ref.cell, server: `https://${ref.cell}.example`, namespaces: ['default', 'istio-system'] };
    },
    // Istio is not stubbed into passing: the mesh comes up Degraded, which is up (rotations, teardown, continue-as-new).
    inspectIstio: async () => {
      throw ApplicationFailure.nonRetryable('no cluster behind this stub', 'Stub');
    },
    checkDrift: async (input) => {
      const context = Context.current();
      while (faults.holdDrift) {
        context.heartbeat();
        await context.sleep(100);
      }
      return faults.driftFindings.shift() ?? { checked: input.nodes.length, drifts: [] };
    },
    ...meshLeaseActivities(client),
    rotationRunning: (input) => lock.running(input.rotationId),
    ensureRotationSchedule: (spec, naming) => schedules.ensure(spec, naming ?? 1),
    deleteRotationSchedule: (mesh) => schedules.remove(mesh),
    // The root rotation a change of the key type starts is not run here: its ID names no workflow, so the mesh's lease check drops the hold.
    startRootRotation: async () => undefined,
    // A rotation that never finishes its first cluster: what a stuck or killed rotation looks like to the mesh.
    rotateIntermediate: async () => {
      await Context.current().sleep(10 * 60_000);
      throw new Error('unreachable');
    },
  };
}

/**
 * The product's hold on a mesh (MeshLock), as a rotation or a drill claims and lets go of it:
 * the mesh workflow's own Updates, so what a test reads of the hold is Temporal's word. For
 * every worker that runs rotations or drills beside a mesh, the harness's and a test's own.
 */
export function meshLeaseActivities(client: Client): Pick<RotationActivities, 'claimRotation' | 'releaseRotation'> {
  const lock = new MeshLock(client);
  return {
    claimRotation: (input) => lock.claim(input.meshWorkflowId, input.rotationId),
    releaseRotation: (input) => lock.release(input.meshWorkflowId, input.rotationId, input.cacerts),
  };
}

export function meshSpec(example: 'minimal' | 'cells', name: string): MeshSpec {
  const validation = validateSpec(exampleSpec(example, { name }));
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return validation.spec;
}

/** The cells example as a user would edit it (raw, then validated like the API does). */
export function editedSpec(name: string, edit: (raw: any) => void): MeshSpec {
  const raw = exampleSpec('cells', { name });
  edit(raw);
  const validation = validateSpec(raw);
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return validation.spec;
}

export const FAST_SETTINGS: WorkflowSettings = {
  ...DEFAULT_WORKFLOW_SETTINGS,
  resourceMaxAttempts: 1,
  bgpPollInitialMs: 10,
  bgpPollMaxMs: 10,
  rotationLeaseCheckMs: 500,
};

export function startMesh(h: Harness, spec: MeshSpec, settings: WorkflowSettings = FAST_SETTINGS, type: 'provisionMesh' | 'teardownMesh' = 'provisionMesh'): Promise<WorkflowHandle<(typeof workflows)['provisionMesh']>> {
  return h.client.workflow.start<(typeof workflows)['provisionMesh']>(type, {
    taskQueue: h.taskQueue,
    workflowId: meshWorkflowId(spec.name),
    args: [{ spec, settings, naming: CURRENT_NAMING }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [{ key: MESH_KEY, value: spec.name }, { key: PHASE_KEY, value: type === 'provisionMesh' ? 'Provisioning' : 'TearingDown' }],
  });
}

/** Polls the latest run's status query (as the API does) until the phase is one of `phases`. */
export async function waitForPhase(h: Harness, mesh: string, phases: string[], timeoutMs = 60_000): Promise<{ phase: string; [key: string]: unknown }> {
  const handle = h.client.workflow.getHandle(meshWorkflowId(mesh));
  const deadline = Date.now() + timeoutMs;
  let last: { phase: string } | undefined;
  for (;;) {
    last = await handle.query<{ phase: string }>('status').catch(() => last);
    if (last && phases.includes(last.phase)) return last as { phase: string; [key: string]: unknown };
    if (Date.now() > deadline) throw new Error(`mesh ${mesh}: phase ${last?.phase} after ${timeoutMs} ms, waiting for ${phases.join('|')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every run of the mesh's continue-as-new chain, oldest first: how it ended and its history length. */
export async function runsOf(h: Harness, mesh: string): Promise<{ status: string; events: number }[]> {
  const chain = await historyChain(h.client, meshWorkflowId(mesh));
  return chain.map((history) => {
    const events = history.events ?? [];
    const last = events.at(-1);
    const status = last?.workflowExecutionContinuedAsNewEventAttributes ? 'CONTINUED_AS_NEW' : last?.workflowExecutionCompletedEventAttributes ? 'COMPLETED' : 'OTHER';
    return { status, events: events.length };
  });
}

/** Whether the mesh's rotation schedule exists, in Temporal's word. */
export async function scheduleExists(h: Harness, mesh: string): Promise<boolean> {
  try {
    await h.client.schedule.getHandle(rotationScheduleId(mesh)).describe();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}
