/**
 * A request to a pod's port through its cluster's API server (the pod proxy,
 * `/api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/<path>`): how the worker reaches the
 * probe in a cell without any route into the cell's network, on EKS and AKS as on the
 * proving ground. Needs `get`/`create` on `pods/proxy` in the probe's namespace.
 */
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ProxyAnswer {
  status: number;
  body: string;
}

export async function podProxy(config: KubeConfig, target: { namespace: string; pod: string; port: number }, method: 'GET' | 'POST', pathAndQuery: string, timeoutMs = 10_000): Promise<ProxyAnswer> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no server');
  const url = new URL(`/api/v1/namespaces/${target.namespace}/pods/${target.pod}:${target.port}/proxy${pathAndQuery}`, server);
  const options: Parameters<typeof request>[1] = { method, headers: {} };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`no answer from the pod proxy in ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}
