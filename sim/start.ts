/**
 * `npm start`: the whole stack with the worker and API, on fixed loopback ports, at a
 * time scale where a mesh comes up in about a minute. Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { STACK_DIR } from './setup.ts';
import { startStack } from './stack.ts';

const { values } = parseArgs({ options: { 'time-scale': { type: 'string', default: '60' }, 'no-product': { type: 'boolean', default: false }, 'data-plane': { type: 'boolean', default: false } } });

const stack = await startStack({
  dir: join(STACK_DIR, 'local'),
  timeScale: Number(values['time-scale']),
  ports: { temporal: 7233, ui: 8233, api: 8080, aws: 5055, azure: 8443, kube: 8450 },
  product: !values['no-product'],
  persistent: true,
  // Real gateways, sidecars and the drill's probe (root and `ip netns` needed; sim/README.md).
  dataPlane: values['data-plane'],
});
const e = stack.endpoints;
console.log(`
cellbridge proving ground is up (time scale ${e.timeScale}: real cloud latencies ÷ ${e.timeScale})
  API                 ${e.api}    (loopback only, no token needed locally)
  Temporal Web UI     ${e.temporal.ui}
  Temporal gRPC       ${e.temporal.address}
  AWS emulator (Moto) ${e.aws}
  Azure ARM emulator  ${e.azure}
  kube pool           ${e.kube}    (a real kube-apiserver per EKS/AKS cluster, a real istiod per istiod install)
  endpoints file      ${join(STACK_DIR, 'local', 'endpoints.json')}
  logs                ${join(STACK_DIR, 'local', 'logs')}    (istiods: logs/istiod/)

try:  curl -X POST ${e.api}/v1/meshes -H 'content-type: application/json' -d @examples/minimal.json
      curl ${e.api}/v1/meshes/demo
      curl -X DELETE ${e.api}/v1/meshes/demo
      (examples/cells.json adds an EKS and an AKS cluster: mesh "cells")
`);
const shutdown = async () => {
  console.log('stopping …');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
