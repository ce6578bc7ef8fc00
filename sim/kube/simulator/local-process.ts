/** What the simulator's kubelet does with the real processes it runs for pods (istiod, proxies). */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';

/** SIGTERM, then SIGKILL after a grace period, as a kubelet stops a container. */
export async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** The HTTP status of a probe URL; 0 when nothing answered in time. */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 2_000, agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0)));
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}
