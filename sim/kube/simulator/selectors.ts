// Label selectors (metav1.LabelSelector) as the API server's `labelSelector` query and as a
// test against an object's labels, for the controllers that pick pods and nodes.

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** The selector in the `labelSelector` query syntax (`a=b,c in (d,e),!f`). */
export function selectorQuery(selector: LabelSelector | undefined): string {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector?.matchExpressions ?? []).map(({ key, operator, values = [] }) =>
    operator === 'In' ? `${key} in (${values.join(',')})`
    : operator === 'NotIn' ? `${key} notin (${values.join(',')})`
    : operator === 'Exists' ? key
    : `!${key}`);
  return [...labels, ...expressions].join(',');
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabels && (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) =>
    operator === 'In' ? key in labels && values.includes(labels[key]!)
    : operator === 'NotIn' ? !(key in labels) || !values.includes(labels[key]!)
    : operator === 'Exists' ? key in labels
    : !(key in labels));
}

/** A plain map selector (a Service's or a pod's nodeSelector): every pair must match. */
export function selectsMap(selector: Record<string, string> | undefined, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}
