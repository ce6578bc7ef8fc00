/**
 * An open-loop load generator: request i is sent at start + i / rate whether or not the
 * earlier ones have answered, so a slow server shows up as latency instead of quietly
 * lowering the rate (no coordinated omission). Pure Node: fetch over keep-alive.
 */
export interface LoadResult {
  requests: number;
  errors: number;
  /** Per request, send → full body read, ms. */
  latencies: number[];
  /** How late the generator itself sent, ms (large values mean the client, not the server, was the bottleneck). */
  maxSendLagMs: number;
  seconds: number;
  firstErrors: string[];
}

export async function openLoop(requests: number, perSecond: number, send: () => Promise<Response>, ok: (status: number) => boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let maxSendLagMs = 0;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, sent - due);
    inFlight.push(
      send()
        .then(async (response) => {
          await response.arrayBuffer();
          latencies.push(performance.now() - sent);
          if (!ok(response.status)) {
            errors++;
            if (firstErrors.length < 3) firstErrors.push(`HTTP ${response.status}`);
          }
        })
        .catch((error: unknown) => {
          errors++;
          if (firstErrors.length < 3) firstErrors.push(String(error));
        }),
    );
  }
  await Promise.all(inFlight);
  return { requests, errors, latencies, maxSendLagMs, seconds: (performance.now() - start) / 1000, firstErrors };
}
