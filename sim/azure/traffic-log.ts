// Every ARM request the emulator served and the reply it gave, one JSON line each, so that
// a judge outside the emulator (test/contract: Microsoft's `oav` over the official REST API
// specifications) can check both sides against the clouds' own contract. Enabled by
// CELLBRIDGE_SIM_ARM_TRAFFIC=<dir>; each emulator process writes its own file there.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from './json.js';

export interface TrafficEntry {
  request: { method: string; url: string; body?: Json };
  response: { status: number; headers: Record<string, string>; body?: unknown };
}

// Secrets are replaced, not dropped, so that their type and presence are still judged:
// a connection's pre-shared key (in the connection and from its sharedkey endpoint), and the kubeconfigs (tokens) an AKS credential action returns.
const REDACTED = 'redacted-by-the-emulator';

export class TrafficLog {
  private constructor(private readonly file: string) {}

  static fromEnv(env: Record<string, string | undefined>): TrafficLog | undefined {
    const dir = env.CELLBRIDGE_SIM_ARM_TRAFFIC;
    if (!dir) return undefined;
    mkdirSync(dir, { recursive: true });
    return new TrafficLog(join(dir, `arm-${process.pid}-${Date.now()}.jsonl`));
  }

  record(entry: TrafficEntry): void {
    // A connection's sharedkey endpoint answers the key itself, as `value`.
    const keyReply = /\/sharedkey(\?|$)/i.test(entry.request.url) && typeof entry.response.body === 'object' && entry.response.body !== null;
    const safe = keyReply ? { ...entry, response: { ...entry.response, body: { ...(entry.response.body as object), value: REDACTED } } } : entry;
    appendFileSync(this.file, `${JSON.stringify(safe, redact)}\n`);
  }
}

function redact(key: string, value: unknown): unknown {
  if (key === 'sharedKey' && typeof value === 'string') return REDACTED;
  if (key === 'kubeconfigs' && Array.isArray(value)) return value.map((k: object) => ({ ...k, value: Buffer.from(REDACTED).toString('base64') }));
  return value;
}
