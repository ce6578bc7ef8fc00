/**
 * What each `cellbridge` command does, through the API only. Every command returns the
 * exit code (exit-codes.ts); with `json`, the last answer is printed as JSON instead of prose.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { ChangePlan } from '../domain/change-plan.ts';
import type { MeshPhase } from '../domain/mesh-status.ts';
import type { Check } from '../domain/verification.ts';
import type { Answer, ApiClient } from './api-client.ts';
import { changeOutcome, EXIT, phaseOutcome } from './exit-codes.ts';
import { progress } from './progress.ts';

export interface Io {
  api: ApiClient;
  json: boolean;
  out: NodeJS.WriteStream;
  /** Seconds between two reads of a long run. */
  pollSeconds: number;
}

const say = (io: Io, text: string) => {
  if (!io.json) io.out.write(`${text}\n`);
};
const printJson = (io: Io, body: unknown) => {
  if (io.json) io.out.write(`${JSON.stringify(body, null, 2)}\n`);
};

/** An answer other than the one expected: its message and the exit code its status means. */
function failed(io: Io, answer: Answer): number {
  printJson(io, answer.body);
  const { error, message, problems } = answer.body ?? {};
  say(io, `${answer.status} ${error ?? ''}: ${message ?? ''}`.trim());
  for (const p of problems ?? []) say(io, `  ${p.path || '(spec)'}: ${p.message} [${p.rule}]`);
  if (answer.status === 400 || answer.status === 413 || answer.status === 415) return EXIT.invalid;
  if (answer.status === 409) return EXIT.refused;
  return EXIT.error;
}

export function readSpec(file: string): { name: string } & Record<string, unknown> {
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw Object.assign(new Error(`cannot read the spec ${file}: ${(error as Error).message}`), { exitCode: EXIT.invalid });
  }
  const name = (spec as { name?: unknown })?.name;
  if (typeof name !== 'string') throw Object.assign(new Error(`${file}: the spec has no "name"`), { exitCode: EXIT.invalid });
  return spec as { name: string };
}

/** `plan -f`: what a POST (new mesh) or a PUT (live mesh) of this spec would do; nothing changes. */
export async function plan(io: Io, file: string, allowReplace: boolean): Promise<number> {
  const spec = readSpec(file);
  if (await isLive(io, spec.name)) {
    const answer = await io.api.call('PUT', `/v1/meshes/${spec.name}?dryRun=true${allowReplace ? '&allowReplace=true' : ''}`, spec);
    if (answer.status !== 200) return failed(io, answer);
    printJson(io, answer.body);
    showPlan(io, answer.body.plan);
    return answer.body.plan.refused.length > 0 ? EXIT.refused : EXIT.done;
  }
  const answer = await io.api.call('POST', '/v1/meshes?dryRun=true', spec);
  if (answer.status !== 200) return failed(io, answer);
  printJson(io, answer.body);
  say(io, `mesh ${spec.name} does not exist yet: applying creates it (the spec is valid; ${answer.body.tunnels?.length ?? 0} tunnels planned)`);
  return EXIT.done;
}

/** `apply -f`: create the mesh (and watch it come up), or show the change plan of a live one, ask, apply it and follow it. */
export async function apply(io: Io, file: string, options: { yes: boolean; wait: boolean; allowReplace: boolean }): Promise<number> {
  const spec = readSpec(file);
  if (await isLive(io, spec.name)) {
    const planned = await plan(io, file, options.allowReplace);
    if (planned !== EXIT.done) return planned;
    if (!(await confirm(io, options.yes, `apply this change to mesh ${spec.name}?`))) return EXIT.refused;
    const answer = await io.api.call('PUT', `/v1/meshes/${spec.name}${options.allowReplace ? '?allowReplace=true' : ''}`, spec);
    if (answer.status !== 202) return failed(io, answer);
    say(io, `mesh ${spec.name}: change ${answer.body.changeId} accepted`);
    return options.wait ? followChange(io, spec.name, answer.body.changeId) : (printJson(io, answer.body), EXIT.done);
  }
  const validated = await io.api.call('POST', '/v1/meshes?dryRun=true', spec);
  if (validated.status !== 200) return failed(io, validated);
  if (!(await confirm(io, options.yes, `create mesh ${spec.name} (it takes the clouds most of an hour)?`))) return EXIT.refused;
  const created = await io.api.call('POST', '/v1/meshes', spec);
  if (created.status !== 202) return failed(io, created);
  say(io, `mesh ${spec.name}: ${created.body.created ? 'provisioning started' : 'already running with this spec'} (workflow ${created.body.workflowId})`);
  return options.wait ? watch(io, spec.name, 'up') : (printJson(io, created.body), EXIT.done);
}

/** Follows an accepted change until it is applied or rolled back, one line per step of progress. */
async function followChange(io: Io, name: string, changeId: string): Promise<number> {
  let last = '';
  for (;;) {
    const answer = await io.api.call('GET', `/v1/meshes/${name}`);
    if (answer.status !== 200) return failed(io, answer);
    const { change, phase } = answer.body;
    if (change?.changeId === changeId) {
      const line = changeLine(change);
      if (line !== last) say(io, `mesh ${name}: ${(last = line)}`);
      const outcome = phase === 'Changing' ? undefined : changeOutcome(change.state, phase);
      if (outcome !== undefined) return printJson(io, answer.body), outcome;
    }
    await sleep(io.pollSeconds);
  }
}

function changeLine(change: { changeId: string; state: string; progress: { done: number; total: number }; error?: string }): string {
  return `change ${change.state} (${change.progress.done}/${change.progress.total})${change.error ? `: ${change.error}` : ''}`;
}

/** `watch NAME`: follows the mesh until it is up (or gone, after a delete) and exits with what happened. */
export async function watch(io: Io, name: string, goal: 'up' | 'gone'): Promise<number> {
  const shown = progress(io.out, name);
  for (;;) {
    const answer = await io.api.call('GET', `/v1/meshes/${name}`);
    if (answer.status !== 200) return failed(io, answer);
    if (!io.json) shown.show(answer.body);
    const outcome = phaseOutcome(answer.body.phase as MeshPhase, goal);
    if (outcome !== undefined) {
      printJson(io, answer.body);
      const left = answer.body.cleanupFailures?.map((f: { id: string }) => f.id) ?? [];
      say(io, `mesh ${name} is ${answer.body.phase}${answer.body.error ? `: ${answer.body.error}` : ''}${left.length ? `; left behind: ${left.join(', ')}` : ''}`);
      return outcome;
    }
    await sleep(io.pollSeconds);
  }
}

export async function get(io: Io, name: string): Promise<number> {
  const answer = await io.api.call('GET', `/v1/meshes/${name}`);
  if (answer.status !== 200) return failed(io, answer);
  printJson(io, answer.body);
  const { phase, resources, tunnels, clusters } = answer.body;
  say(io, `mesh ${name}: ${phase}`);
  say(io, `  resources: ${resources.filter((r: { state: string }) => r.state === 'ready').length}/${resources.length} ready`);
  for (const t of tunnels ?? []) say(io, `  tunnel ${t.index} ${t.insideCidr}: ${t.established ? 'BGP established' : `AWS ${t.aws.status}, Azure ${t.azure.state}`}`);
  for (const c of clusters ?? []) say(io, `  cell ${c.cell} (${c.cloud}): ${c.state}${c.endpoint ? ` ${c.endpoint}` : ''}`);
  if (answer.body.change) say(io, `  ${changeLine(answer.body.change)}`);
  return EXIT.done;
}

export async function list(io: Io): Promise<number> {
  const answer = await io.api.call('GET', '/v1/meshes');
  if (answer.status !== 200) return failed(io, answer);
  printJson(io, answer.body);
  for (const m of answer.body.meshes) say(io, `${m.mesh}\t${m.phase ?? '?'}\t${m.type} ${m.workflowStatus}`);
  return EXIT.done;
}

export async function remove(io: Io, name: string, wait: boolean): Promise<number> {
  const answer = await io.api.call('DELETE', `/v1/meshes/${name}`);
  if (answer.status !== 202 && answer.status !== 200) return failed(io, answer);
  say(io, `mesh ${name}: ${answer.status === 200 ? 'already deleted' : 'teardown started'}`);
  return wait && answer.status === 202 ? watch(io, name, 'gone') : (printJson(io, answer.body), EXIT.done);
}

/** `rotate NAME --kind`: starts a rotation and follows it to its end. */
export async function rotate(io: Io, name: string, kind: string, wait: boolean): Promise<number> {
  const started = await io.api.call('POST', `/v1/meshes/${name}/rotations`, { kind });
  if (started.status !== 202) return failed(io, started);
  say(io, `rotation ${started.body.rotationId} started`);
  if (!wait) return printJson(io, started.body), EXIT.done;
  return follow(io, `/v1/meshes/${name}/rotations/${started.body.rotationId}`, (body) => `phase ${body.phase ?? '?'}`);
}

/** `verify NAME`: verifies again and shows every check; refused when one fails. */
export async function verify(io: Io, name: string): Promise<number> {
  const before = await io.api.call('GET', `/v1/meshes/${name}/verification`);
  const asked = await io.api.call('POST', `/v1/meshes/${name}/verification`);
  if (asked.status !== 202) return failed(io, asked);
  for (;;) {
    await sleep(io.pollSeconds);
    const report = await io.api.call('GET', `/v1/meshes/${name}/verification`);
    if (report.status !== 200 || report.body.checkedAt === before.body?.checkedAt) continue;
    printJson(io, report.body);
    const checks: Check[] = report.body.checks ?? [];
    for (const c of checks) say(io, `${c.pass ? 'pass' : 'FAIL'}  ${c.id}${c.cluster ? ` (${c.cluster})` : ''}${c.pass ? '' : `: ${c.evidence}`}`);
    return report.body.passed ? EXIT.done : EXIT.refused;
  }
}

/** `drill NAME`: runs the failover drill and prints its figures. */
export async function drill(io: Io, name: string, cell: string | undefined): Promise<number> {
  const started = await io.api.call('POST', `/v1/meshes/${name}/drills`, cell ? { cell } : {});
  if (started.status !== 202) return failed(io, started);
  say(io, `drill ${started.body.drillId} started: degrading cell ${started.body.cell}`);
  const code = await follow(io, `/v1/meshes/${name}/drills/${started.body.drillId}`, (body) => `phase ${body.phase}`);
  const last = await io.api.call('GET', `/v1/meshes/${name}/drills/${started.body.drillId}`);
  const report = last.body.report ?? {};
  say(io, `requests ${report.requestsSent ?? '?'}, failures ${report.failures ?? '?'}, failover ${report.failoverMs ?? '?'} ms, failback ${report.failbackMs ?? '?'} ms`);
  for (const identity of report.identitiesSeen ?? []) say(io, `  seen: ${identity}`);
  return code === EXIT.done && last.body.error ? EXIT.refused : code;
}

/** Polls a workflow's progress route until its workflow is no longer running. */
async function follow(io: Io, path: string, describe: (body: any) => string): Promise<number> {
  let shown = '';
  for (;;) {
    const answer = await io.api.call('GET', path);
    if (answer.status === 503) {
      await sleep(io.pollSeconds);
      continue;
    }
    if (answer.status !== 200) return failed(io, answer);
    const line = describe(answer.body);
    if (line !== shown) say(io, (shown = line));
    if (answer.body.workflowStatus !== 'RUNNING') {
      printJson(io, answer.body);
      if (answer.body.error) say(io, `failed: ${answer.body.error}`);
      return answer.body.workflowStatus === 'COMPLETED' && !answer.body.error ? EXIT.done : EXIT.refused;
    }
    await sleep(io.pollSeconds);
  }
}

async function isLive(io: Io, name: string): Promise<boolean> {
  const answer = await io.api.call('GET', `/v1/meshes/${name}`);
  if (answer.status === 404) return false;
  if (answer.status !== 200) throw Object.assign(new Error(`GET /v1/meshes/${name}: ${answer.status} ${JSON.stringify(answer.body)}`), { exitCode: EXIT.error });
  return answer.body.workflow?.status === 'RUNNING' && answer.body.workflow?.type === 'provisionMesh';
}

function showPlan(io: Io, plan: ChangePlan): void {
  const changed = plan.changes.filter((c) => c.action !== 'unchanged');
  if (changed.length === 0) return say(io, 'nothing to change');
  for (const c of changed) {
    say(io, `${c.action.padEnd(8)} ${c.id}${c.expectedSeconds ? ` (~${c.expectedSeconds} s)` : ''}${c.interrupts ? ` · interrupts ${c.interrupts}` : ''}${c.appliedBy ? ' · by the root rotation after the change' : ''}`);
    for (const f of c.fields) say(io, `           ${f.field}: ${f.from} → ${f.to}`);
  }
  const s = plan.summary;
  say(io, `${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.unchanged} unchanged; about ${plan.expectedSeconds} s`);
  if (plan.rootRotation) say(io, `then ${plan.rootRotation.description}: up to ${plan.rootRotation.expectedSeconds} s more`);
  for (const r of plan.refused) say(io, `refused: ${r.message} [${r.rule}]`);
}

async function confirm(io: Io, yes: boolean, question: string): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    say(io, `${question} — not asked without a terminal: pass --yes`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: io.out });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
