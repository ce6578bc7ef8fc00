/** A mesh workflow's history as text, raw (encrypted payloads) and as an operator with the codec key reads it. */
import { Client, Connection } from '@temporalio/client';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';
import type { Endpoints } from '../../sim/stack.ts';

type Payload = { metadata?: Record<string, Uint8Array>; data?: Uint8Array };

export async function historyText(e: Endpoints, workflowId: string): Promise<{ raw: string; decrypted: string; payloads: number }> {
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    // Every run: a mesh's provisioning is in the first run of its continue-as-new chain, not the latest.
    const history = await historyChain(new Client({ connection }), workflowId);
    const codec = new AesGcmPayloadCodec(e.productEnv.CELLBRIDGE_CODEC_KEY_ID!, Buffer.from(e.productEnv.CELLBRIDGE_CODEC_KEY!, 'base64'));
    const payloads = encryptedPayloads(history);
    const decrypted = (await codec.decode(payloads)).map((p) => Buffer.from(p.data ?? []).toString()).join('\n');
    return { raw: JSON.stringify(history), decrypted, payloads: payloads.length };
  } finally {
    await connection.close();
  }
}

/** Every payload the codec encrypted, wherever it sits in the history. */
export function encryptedPayloads(history: unknown): Payload[] {
  const found: Payload[] = [];
  const walk = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const v = value as Payload;
    if (v.metadata && v.data instanceof Uint8Array && v.metadata['encryption-key-id']) found.push(v);
    for (const child of Object.values(value)) walk(child);
  };
  walk(history);
  return found;
}

type RunHistory = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/** The histories of every run of a workflow ID's continue-as-new chain, oldest first (each run names the one it continues). */
export async function historyChain(client: Client, workflowId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}

/** The patch IDs a run recorded, in order: Temporal's patch markers, read from the history itself. */
export function patchIds(history: RunHistory): string[] {
  return (history.events ?? []).flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
}

/** Every activity a workflow scheduled over all its runs, in order, with its first argument (a harness without a payload codec: plain JSON). */
export async function scheduledActivities(client: Client, workflowId: string): Promise<{ type: string; input: any }[]> {
  const runs = await historyChain(client, workflowId);
  return runs.flatMap((run) =>
    (run.events ?? []).flatMap((e) => {
      const attributes = e.activityTaskScheduledEventAttributes;
      if (!attributes) return [];
      const data = attributes.input?.payloads?.[0]?.data;
      return [{ type: attributes.activityType!.name!, input: data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined }];
    }),
  );
}
