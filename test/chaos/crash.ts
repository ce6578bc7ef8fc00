/**
 * Kill points for the crash table: what Temporal itself shows running in a workflow (its
 * pending activities), so a kill lands inside an activity the server knows was started, and
 * the table names it without asking the product.
 */
import { DescribeCustomerGatewaysCommand, DescribeSubnetsCommand, DescribeTransitGatewaysCommand, DescribeTransitGatewayVpcAttachmentsCommand, DescribeVpcsCommand, DescribeVpnConnectionsCommand, EC2Client, type Tag } from '@aws-sdk/client-ec2';
import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { Endpoints } from '../../sim/stack.ts';
import { meshInventory } from '../support/stack.ts';

const PHASE = defineSearchAttributeKey('CellbridgePhase', SearchAttributeType.KEYWORD);
const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

export interface Observed {
  /** Started activities of the current run: `${runId}/${activityId}` → activity type and attempt. */
  running: Map<string, string>;
  /** The phase the workflow last published as a search attribute (server-side, needs no worker). */
  phase: string | undefined;
  status: string;
}

export async function observe(client: Client, workflowId: string): Promise<Observed> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const running = new Map<string, string>();
  for (const activity of description.raw.pendingActivities ?? []) {
    if (activity.state !== STARTED) continue;
    running.set(`${description.runId}/${activity.activityId}`, `${activity.activityType?.name} (attempt ${activity.attempt})`);
  }
  return { running, phase: description.typedSearchAttributes.get(PHASE), status: description.status.name };
}

/**
 * Waits until the k-th activity not in `seen` has started and returns its name while it
 * still runs; undefined when `over` says the stage ended first. Retries of an activity seen
 * before do not count, so each kill lands in an activity no kill has hit yet and the points
 * move on through the stage; activities that start and finish between two looks are not
 * counted either: a kill always lands in one that runs.
 */
export async function kthStarted(client: Client, workflowId: string, k: number, seen: Set<string>, over: (o: Observed) => boolean): Promise<string | undefined> {
  let fresh = 0;
  for (;;) {
    const observed = await observe(client, workflowId).catch(() => undefined);
    if (observed) {
      for (const [key, name] of observed.running) {
        if (seen.has(key)) continue;
        seen.add(key);
        if (++fresh >= k) return name;
      }
      if (over(observed)) return undefined;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Kill {
  stage: string;
  k: number;
  running: string;
  /** Seconds from the stage's start to the kill. */
  at: number;
  /** Seconds until the new worker polled. */
  back: number;
}

export interface StageOutcome {
  stage: string;
  kills: number;
  ok: boolean;
  detail: string;
  seconds: number;
}

export function crashTable(kills: Kill[], stages: StageOutcome[]): string {
  const row = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '/')).join(' | ')} |`;
  const killRows = kills.map((kill, i) => row([i + 1, kill.stage, kill.k, kill.running, kill.at.toFixed(1), kill.back.toFixed(1)]));
  const stageRows = stages.map((s) => row([s.stage, s.kills, s.ok ? 'ok' : 'FAILED', s.detail, s.seconds.toFixed(1)]));
  return [
    row(['kill', 'stage', 'k', 'running when killed', 's into stage', 'worker back (s)']), row(['---', '---', '---', '---', '---', '---']), ...killRows,
    '',
    row(['stage', 'kills', 'outcome', 'judged', 's']), row(['---', '---', '---', '---', '---']), ...stageRows,
  ].join('\n');
}

/**
 * What the mesh holds, one line per live resource, named by what makes it that resource:
 * EC2 resources by the graph-node tag cellbridge puts on them (EC2 gives them random IDs and
 * takes no idempotency token, so two lines alike are one resource made twice), everything
 * else by its cloud name, which a second create could not take again.
 */
export async function identities(e: Endpoints, mesh: string, region = 'us-east-1'): Promise<string[]> {
  const ec2 = new EC2Client({ region, endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [mesh] }];
  const node = (tags: Tag[] | undefined) => tags?.find((t) => t.Key === 'cellbridge:resource')?.Value ?? '(untagged)';
  const alive = (state: string | undefined) => state !== 'deleted';
  const tagged = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters })).then((r) => (r.Vpcs ?? []).map((x) => `aws vpc ${node(x.Tags)}`)),
    ec2.send(new DescribeSubnetsCommand({ Filters })).then((r) => (r.Subnets ?? []).map((x) => `aws subnet ${node(x.Tags)}`)),
    ec2.send(new DescribeTransitGatewaysCommand({ Filters })).then((r) => (r.TransitGateways ?? []).filter((x) => alive(x.State)).map((x) => `aws tgw ${node(x.Tags)}`)),
    ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters })).then((r) => (r.TransitGatewayVpcAttachments ?? []).filter((x) => alive(x.State)).map((x) => `aws attachment ${node(x.Tags)}`)),
    ec2.send(new DescribeCustomerGatewaysCommand({ Filters })).then((r) => (r.CustomerGateways ?? []).filter((x) => alive(x.State)).map((x) => `aws cgw ${node(x.Tags)}`)),
    ec2.send(new DescribeVpnConnectionsCommand({ Filters })).then((r) => (r.VpnConnections ?? []).filter((x) => alive(x.State)).map((x) => `aws vpn ${node(x.Tags)}`)),
  ]);
  const ec2Kinds = /^aws (vpc|subnet|tgw|attachment|cgw|vpn) /;
  // `azure <id> <state>` and `aws <kind> <name>`: ARM IDs are case-insensitive.
  const named = (await meshInventory(e, mesh, region)).filter((line) => !ec2Kinds.test(line)).map((line) => (line.startsWith('azure ') ? `azure ${line.split(' ')[1]!.toLowerCase()}` : line));
  // The mesh's name becomes <mesh>, and the hash a cluster's name carries after it (<mesh>-<cell>-<8 characters>)
  // becomes <hash>, so two meshes of one example compare.
  const general = (line: string) => line.replaceAll(mesh.toLowerCase(), '<mesh>').replaceAll(mesh, '<mesh>').replace(/(<mesh>-[a-z0-9-]+?)-[a-z0-9]{8}(?![a-z0-9])/g, '$1-<hash>');
  return [...tagged.flat(), ...named].map(general).sort();
}

/** Lines that occur more than once: a resource made twice. */
export function twice(lines: string[]): string[] {
  const seen = new Map<string, number>();
  for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([line, n]) => `${line} ×${n}`);
}

/** How `actual` differs from `expected`, both taken as sets (duplicates are twice()'s to report). */
export function missingOrExtra(actual: string[], expected: string[]): string {
  const have = new Set(actual);
  const want = new Set(expected);
  const missing = [...want].filter((l) => !have.has(l)).map((l) => `missing ${l}`);
  const extra = [...have].filter((l) => !want.has(l)).map((l) => `extra ${l}`);
  return [...missing, ...extra].join('; ');
}
