/**
 * The worker's handle on the probe in one cell: its pods, found by label, and one request
 * of the client (or a control call to the echo) through the API server's pod proxy.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { echoCell, parseXfcc, type DrillSample } from '../../domain/drill.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { PROBE_NAMES } from '../../domain/names.ts';
import { PROBE_PORTS } from '../../domain/probe-plan.ts';
import { podProxy } from './pod-proxy.ts';

/** A running pod of `app` with an address, if there is one. */
export async function probePod(config: KubeConfig, app: string): Promise<string | undefined> {
  const { items } = await config.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: PROBE_NAMES.namespace, labelSelector: `app=${app}` });
  return items.find((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp && pod.status.phase === 'Running')?.metadata?.name;
}

export interface CallContext {
  config: KubeConfig;
  clientPod: string;
  spec: Pick<MeshSpec, 'istio'>;
  cells: string[];
}

/** One request of the client to `host`, timed from `origin` (ms); a failed hop anywhere is a failed request, never a throw. */
export async function callOnce(context: CallContext, host: string, origin: number): Promise<DrillSample> {
  const sent = Date.now();
  const answer = await podProxy(context.config, { namespace: PROBE_NAMES.namespace, pod: context.clientPod, port: PROBE_PORTS.client }, 'GET', `/call?host=${encodeURIComponent(host)}&path=/`).catch(() => undefined);
  const ms = Date.now() - sent;
  const base = { at: sent - origin, ms };
  if (answer?.status !== 200) return { ...base, status: 0 };
  const call = JSON.parse(answer.body) as { status: number; body?: string };
  if (call.status !== 200 || !call.body) return { ...base, status: call.status };
  const echo = JSON.parse(call.body) as { headers?: Record<string, string> };
  const { peer, server } = parseXfcc(echo.headers?.['x-forwarded-client-cert']);
  const servedBy = echoCell(context.spec, context.cells, server);
  return { ...base, status: 200, ...(servedBy ? { servedBy } : {}), ...(peer ? { peer } : {}), ...(server ? { server } : {}) };
}

/** Tells the cell's echo to answer `503` (degrade) or to heal (restore), on its control port. */
export async function controlEcho(config: KubeConfig, action: 'degrade' | 'restore'): Promise<void> {
  const pod = await probePod(config, PROBE_NAMES.echo);
  if (!pod) throw new Error('the probe echo has no running pod');
  const answer = await podProxy(config, { namespace: PROBE_NAMES.namespace, pod, port: PROBE_PORTS.echoControl }, 'POST', action === 'degrade' ? '/degrade?status=503' : '/restore');
  if (answer.status !== 200) throw new Error(`the echo's control answered ${answer.status} to ${action}`);
}
