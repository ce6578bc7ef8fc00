// A TCP forwarder on the host end of a cloud network's link: what a Kubernetes Service
// does for pods that call istiod by its service name. Each connection goes to wherever the
// target is at that moment (istiod's port changes when it restarts), or is closed at once
// when there is none. Bytes pass through untouched: TLS is between the proxy and istiod.
import { createConnection, createServer, type Server } from 'node:net';

export async function forwardTcp(host: string, port: number, target: () => { host: string; port: number } | undefined): Promise<Server> {
  const server = createServer((downstream) => {
    const to = target();
    if (!to) return void downstream.destroy();
    const upstream = createConnection(to);
    downstream.pipe(upstream).pipe(downstream);
    downstream.once('error', () => upstream.destroy());
    upstream.once('error', () => downstream.destroy());
    downstream.once('close', () => upstream.destroy());
    upstream.once('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
