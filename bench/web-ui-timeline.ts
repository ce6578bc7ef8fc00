/**
 * A mesh workflow's page in the Temporal Web UI, Timeline tab, as an operator sees it: one
 * row per activity, labelled "<activity type> • <summary>". The summaries are encrypted in
 * history like every payload, so the UI shows them only once it has decoded them through
 * the API's codec endpoint; the picture is taken after every summary the run recorded is
 * on the page, and the check fails when one is missing or two rows read alike.
 */
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type proto from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../domain/payload-codec.ts';
import type { Endpoints } from '../sim/stack.ts';
import type { Page } from './headless-chromium.ts';

type Event = proto.temporal.api.history.v1.IHistoryEvent;

export interface TimelineRun {
  runId: string;
  /** Every activity of the run, as the timeline labels it when a summary is set. */
  activities: { type: string; summary?: string }[];
}

/**
 * The run that provisioned the mesh: a mesh continues as new once it is up, so its
 * creates are in the first run of the chain, not in the latest one.
 */
export async function provisioningRun(client: Client, e: Endpoints, workflowId: string): Promise<TimelineRun> {
  const codec = new AesGcmPayloadCodec(e.productEnv.CELLBRIDGE_CODEC_KEY_ID!, Buffer.from(e.productEnv.CELLBRIDGE_CODEC_KEY!, 'base64'));
  let runId = (await client.workflow.getHandle(workflowId).describe()).runId;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return { runId, activities: await activities(codec, events) };
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
  /** Summaries the run recorded and the page shows. */
  shown: string[];
  /** Activity types the run scheduled with no summary: their rows show the bare type. */
  unsummarized: string[];
}

/**
 * Opens the run's timeline, waits until every recorded summary is on the page, sizes the
 * window to the whole page and takes one picture of it. Throws (after saving what it saw
 * to `file`) if a summary never shows.
 */
export async function screenshotTimeline(page: Page, url: string, run: TimelineRun, file: string, width: number): Promise<TimelineCheck> {
  const summaries = run.activities.flatMap((a) => (a.summary ? [`${a.type} • ${a.summary}`] : []));
  const duplicates = summaries.filter((s, i) => summaries.indexOf(s) !== i);
  if (duplicates.length > 0) throw new Error(`two activities of the run share a summary: ${[...new Set(duplicates)].join('; ')}`);
  const allShown = `(() => { const rows = new Set(${ROW_LABELS}); return ${JSON.stringify(summaries)}.every((s) => rows.has(s)); })()`;
  await page.goto(url);
  await page.waitFor(`document.querySelector('button.event')`, 'the timeline');
  // The window grows to the whole page so no row is below the fold; the timeline redraws on the resize.
  const height = await page.evaluate<number>(`document.getElementById('content-wrapper').scrollHeight`);
  await page.setViewport(width, height);
  try {
    await page.waitFor(allShown, `all ${summaries.length} activity summaries`, 30_000);
  } finally {
    await page.screenshot(file);
  }
  const rows = await page.evaluate<string[]>(ROW_LABELS);
  return {
    shown: summaries.filter((s) => rows.includes(s)),
    unsummarized: [...new Set(run.activities.filter((a) => !a.summary).map((a) => a.type))],
  };
}
