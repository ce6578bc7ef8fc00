// The simulated kubelet's container environment (sim/kube/simulator/container-env.ts): what
// istiod's chart declares becomes the process's environment, as in a pod.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerEnv, type EnvVar, type PodFields } from '../../sim/kube/simulator/container-env.ts';

const POD: PodFields = { name: 'istiod-abc-12345', namespace: 'istio-system', uid: 'u-1', serviceAccountName: 'istiod', podIp: '127.0.0.1', nodeName: 'node-a', cpuLimit: 1 };

describe('container env', () => {
  const cases: { name: string; env: EnvVar[]; want: Record<string, string> }[] = [
    { name: 'literal values, empty when absent', env: [{ name: 'CLUSTER_ID', value: 'mesh-a-east' }, { name: 'EMPTY' }], want: { CLUSTER_ID: 'mesh-a-east', EMPTY: '' } },
    {
      name: 'downward API fields istiod\'s chart uses',
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'SERVICE_ACCOUNT', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'INSTANCE_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      ],
      want: { POD_NAME: 'istiod-abc-12345', POD_NAMESPACE: 'istio-system', SERVICE_ACCOUNT: 'istiod', INSTANCE_IP: '127.0.0.1', GOMAXPROCS: '1' },
    },
    {
      name: '$(VAR) expands earlier variables only; $$ escapes; unknown references stay',
      env: [{ name: 'A', value: 'x' }, { name: 'B', value: '$(A)-$(C)-$$(A)' }, { name: 'C', value: 'late' }],
      want: { A: 'x', B: 'x-$(C)-$(A)', C: 'late' },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(containerEnv(c.env, POD), c.want));

  test('a source the simulated kubelet cannot resolve is an error naming the variable', () => {
    assert.throws(() => containerEnv([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], POD), /env TOKEN: valueFrom secretKeyRef is not supported/);
    assert.throws(() => containerEnv([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }], POD), /env X: fieldRef metadata\.labels/);
  });
});
