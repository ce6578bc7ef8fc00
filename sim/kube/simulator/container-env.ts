// A container's environment as the kubelet would give it to the process: literal values
// with `$(VAR)` references to earlier variables expanded, and the downward API's pod
// fields. Nothing else from the host leaks in (a pod sees no host environment).

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string };
    configMapKeyRef?: unknown;
    secretKeyRef?: unknown;
  };
}

/** What the downward API can tell a simulated pod about itself. */
export interface PodFields {
  name: string;
  namespace: string;
  uid: string;
  serviceAccountName: string;
  /** Every simulated process runs on loopback. */
  podIp: string;
  nodeName: string;
  /** `limits.cpu` in whole cores, rounded up as the kubelet does for a divisor of 1. */
  cpuLimit: number;
}

export function containerEnv(env: EnvVar[], pod: PodFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const variable of env) out[variable.name] = variable.valueFrom ? fromSource(variable, pod) : expand(variable.value ?? '', out);
  return out;
}

const FIELDS: Record<string, (pod: PodFields) => string> = {
  'metadata.name': (pod) => pod.name,
  'metadata.namespace': (pod) => pod.namespace,
  'metadata.uid': (pod) => pod.uid,
  'spec.serviceAccountName': (pod) => pod.serviceAccountName,
  'spec.nodeName': (pod) => pod.nodeName,
  'status.podIP': (pod) => pod.podIp,
  'status.hostIP': (pod) => pod.podIp,
};

function fromSource({ name, valueFrom = {} }: EnvVar, pod: PodFields): string {
  if (valueFrom.fieldRef) {
    const field = FIELDS[valueFrom.fieldRef.fieldPath];
    if (!field) throw new Error(`env ${name}: fieldRef ${valueFrom.fieldRef.fieldPath} is not one the simulated kubelet knows (${Object.keys(FIELDS).join(', ')})`);
    return field(pod);
  }
  if (valueFrom.resourceFieldRef?.resource === 'limits.cpu') return String(pod.cpuLimit);
  throw new Error(`env ${name}: valueFrom ${Object.keys(valueFrom).join(', ')} is not supported by the simulated kubelet (only fieldRef and resourceFieldRef limits.cpu)`);
}

/** `$(VAR)` becomes VAR's value if defined earlier, `$$` escapes a `$`; anything else stays as written, as in Kubernetes. */
function expand(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => (name === undefined ? '$' : (defined[name] ?? match)));
}
