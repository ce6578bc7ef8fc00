/**
 * The desired state of the plain Istio objects a cell holds (DestinationRules of the traffic
 * policies, the cross-network and east-west Gateways): the objects of the graph node are what
 * the create and update apply (activities/kube/manifest.ts), and a drift check compares each
 * object the API server returns with them, field by field (a DestinationRule edited by hand).
 */
import { desiredFieldsDrift, fieldDrift, type FieldDrift } from './drift.ts';
import type { KubeObject } from './istio-graph.ts';

export function objectLabel(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** `observed[i]` is what the API server holds for `desired[i]`, undefined when it is gone. */
export function manifestDrift(desired: KubeObject[], observed: (Record<string, unknown> | undefined)[]): FieldDrift[] {
  return desired.flatMap((object, i) => {
    const actual = observed[i];
    if (!actual) return fieldDrift(objectLabel(object), 'present', 'absent');
    const { apiVersion: _v, kind: _k, metadata, ...body } = object;
    const actualMetadata = (actual.metadata ?? {}) as Record<string, unknown>;
    return [...desiredFieldsDrift(metadata.labels ?? {}, actualMetadata.labels ?? {}, 'metadata.labels'), ...desiredFieldsDrift(body, actual, '')].map((d) => ({ ...d, field: `${objectLabel(object)} ${d.field}` }));
  });
}
