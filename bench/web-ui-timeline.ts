/**
 * A mesh workflow's page in the Temporal Web UI, Timeline tab, as an operator sees it: one
 * row per activity, labelled "<activity type> • <summary>". The summaries are encrypted in
 * history like every payload, so the UI shows them only once it has decoded them through
 * the API's codec endpoint; the picture is taken after every summary the run recorded is
 * on the page, and the check fails when one is missing or two resources' rows read alike.
 */
import { Client, type Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type proto from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../domain/payload-codec.ts';
import type { Endpoints } from '../sim/stack.ts';
import type { Page } from './headless-chromium.ts';

type Event = proto.temporal.api.history.v1.IHistoryEvent;

export interface TimelineRun {
  runId: string;
  /** The fixed line the run was started with (the User Metadata tab's Summary), if any. */
  staticSummary?: string;
  /** Every activity of the run, as the timeline labels it when a summary is set. */
  activities: { type: string; summary?: string }[];
}

/**
 * The run that provisioned the mesh: a mesh continues as new once it is up, so its
 * creates are in the first run of the chain, not in the latest one.
 */
export async function provisioningRun(connection: Connection, e: Endpoints, workflowId: string): Promise<TimelineRun> {
  const codec = new AesGcmPayloadCodec(e.productEnv.CELLBRIDGE_CODEC_KEY_ID!, Buffer.from(e.productEnv.CELLBRIDGE_CODEC_KEY!, 'base64'));
  const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
  let runId = (await client.workflow.getHandle(workflowId).describe()).runId;
  for (;;) {
    const run = client.workflow.getHandle(workflowId, runId);
    const events = (await run.fetchHistory()).events ?? [];
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) {
      const staticSummary = await (await run.describe()).staticSummary();
      return { runId, ...(staticSummary ? { staticSummary } : {}), activities: await activities(codec, events) };
    }
    runId = previous;
  }
}

async function activities(codec: AesGcmPayloadCodec, events: Event[]): Promise<TimelineRun['activities']> {
  const found: TimelineRun['activities'] = [];
  for (const event of events) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (!type) continue;
    const summary = event.userMetadata?.summary;
    found.push({ type, ...(summary ? { summary: defaultPayloadConverter.fromPayload<string>((await codec.decode([summary]))[0]!) } : {}) });
  }
  return found;
}

export function timelineUrl(ui: string, workflowId: string, runId: string): string {
  return `${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}/timeline`;
}

/** The labels of the timeline's rows, read from the page (each event row is a `button.event`). */
const ROW_LABELS = `[...document.querySelectorAll('button.event')].map((b) => b.textContent.trim()).filter(Boolean)`;

export interface TimelineCheck {
  /** The distinct row labels with a summary that the run recorded and the page shows. */
  shown: string[];
  /** Of those, the ones the UI cut short with an ellipsis (a long label beside a long bar). */
  truncated: string[];
  /** Activity types the run scheduled with no summary: their rows show the bare type. */
  unsummarized: string[];
}

/**
 * Opens the run's timeline, waits until every recorded summary is on the page, sizes the
 * window to the whole page and takes one picture of it. Throws (after saving what it saw
 * to `file`) if a summary never shows, naming the first ones missing.
 */
export async function screenshotTimeline(page: Page, url: string, run: TimelineRun, file: string, width: number): Promise<TimelineCheck> {
  const summaries = [...new Set(run.activities.flatMap((a) => (a.summary ? [`${a.type} • ${a.summary}`] : [])))];
  // Each resource is made once, so two resource rows alike would hide one; an observation
  // polled again (BGP until established) is rightly the same line twice.
  const resources = run.activities.flatMap((a) => (a.summary && /^(create|update|delete)[A-Z]/.test(a.type) ? [a.summary] : []));
  const duplicates = resources.filter((s, i) => resources.indexOf(s) !== i);
  if (duplicates.length > 0) throw new Error(`two resource activities of the run share a summary: ${[...new Set(duplicates)].join('; ')}`);
  const missing = `${SHOWN}(${ROW_LABELS}, ${JSON.stringify(summaries)}).missing`;
  await page.goto(url);
  await page.waitFor(`document.querySelector('button.event')`, 'the timeline');
  // The window grows to the whole page so no row is below the fold; the timeline redraws on the resize.
  const height = await page.evaluate<number>(`document.getElementById('content-wrapper').scrollHeight`);
  await page.setViewport(width, height);
  try {
    await page.waitFor(`${missing}.length === 0`, `all ${summaries.length} distinct activity summaries`, 30_000);
  } catch (error) {
    const absent = await page.evaluate<string[]>(missing);
    throw new Error(`${error instanceof Error ? error.message : String(error)}; missing: ${absent.slice(0, 3).join(' | ')}${absent.length > 3 ? ` and ${absent.length - 3} more` : ''}`);
  } finally {
    await page.screenshot(file);
  }
  const { truncated } = await page.evaluate<{ truncated: string[] }>(`${SHOWN}(${ROW_LABELS}, ${JSON.stringify(summaries)})`);
  return {
    shown: summaries,
    truncated,
    unsummarized: [...new Set(run.activities.filter((a) => !a.summary).map((a) => a.type))],
  };
}

/**
 * In the page: which of `summaries` no row shows, and which rows show one cut short (the
 * row's text, less its trailing ellipsis, begins the summary).
 */
const SHOWN = `((rows, summaries) => {
  const cut = (r) => r.match(/^(.*?)(\\.\\.\\.|\u2026)$/)?.[1];
  const truncated = [];
  const missing = summaries.filter((s) => {
    if (rows.includes(s)) return false;
    const short = rows.find((r) => cut(r) !== undefined && s.startsWith(cut(r)));
    if (short) truncated.push(short);
    return !short;
  });
  return { missing, truncated };
})`;
