/**
 * One write at a time per VPN gateway from this worker. ARM runs one operation per gateway
 * (the gateway, its connections): a second connection PUT or DELETE meanwhile is refused with
 * 409 AnotherOperationInProgress, and the engine repeats it (engine.ts whenFree), a refused
 * call each time plus the tunnel key read that builds the PUT. The four connections of a
 * mesh would queue that way for minutes; here they queue in the worker and reach ARM one
 * after the other. Other workers' writes are still met by the engine's 409 handling.
 */
export class GatewayTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `write` once every write to `gateway` started before it in this process has ended; `signal` gives up waiting. */
  async take<T>(gateway: string, signal: AbortSignal | undefined, write: () => Promise<T>): Promise<T> {
    const before = this.tails.get(gateway) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(gateway, tail);
    try {
      await abortable(before, signal);
      return await write();
    } finally {
      // Given up or done: those after this write wait only for the ones before it.
      release();
      if (this.tails.get(gateway) === tail) this.tails.delete(gateway);
    }
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}
