// Validating webhooks served by a workload that runs for real (istiod's validators). In a
// cluster the API server calls such a webhook at the Ready pods behind its Service; here the
// process listens on loopback, which no EndpointSlice may name, so the API server finds no
// endpoints and the webhook's failurePolicy decides (sim/README.md). Istio's charts write
// their validators fail-open (Ignore) on a first install only; on any upgrade they leave
// failurePolicy out (the API server defaults it to Fail) because the running istiod serves
// them. A release that is installed again after a failed attempt is upgraded by helm, so the
// proving ground would refuse every Istio resource of that cluster for good although its
// istiod is ready, which no real cluster does. So while a Ready pod that runs for real backs
// a webhook's Service, this controller sets that webhook to fail open: what the served
// webhook would be asked is admitted (the CRD schemas still judge Istio resources; istiod's
// own checks are not played). A webhook with no such pod behind it is left as written and
// still refuses at once, as in a cluster. Never set back: the first install leaves the
// same Ignore, so a later unready istiod is played the same way either way.
import { type AdminClient, type KubeObject } from './admin-client.ts';
import type { Service } from './endpoint-slices.ts';
import { isReady, type Pod } from './pods.ts';
import type { Controller } from './reflector.ts';
import { selectsMap } from './selectors.ts';

interface ValidatingWebhookConfiguration extends KubeObject {
  webhooks?: { name: string; failurePolicy?: string; clientConfig?: { service?: { namespace: string; name: string } } }[];
}

export interface ServedView {
  service(namespace: string, name: string): Service | undefined;
  pods(): Pod[];
  /** True for a pod of a workload whose process runs for real (ExternalReadiness). */
  runsForReal(pod: Pod): boolean;
}

const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };

export function servedWebhooks(client: AdminClient, view: ServedView): Controller<ValidatingWebhookConfiguration> {
  const served = ({ namespace, name }: { namespace: string; name: string }) => {
    const selector = view.service(namespace, name)?.spec.selector;
    return selector !== undefined && view.pods().some((pod) => pod.metadata.namespace === namespace && selectsMap(selector, pod.metadata.labels) && view.runsForReal(pod) && isReady(pod));
  };
  return {
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    async reconcile(config) {
      const patch = (config.webhooks ?? []).flatMap((webhook, i) => {
        const service = webhook.clientConfig?.service;
        if (webhook.failurePolicy === 'Ignore' || !service || !served(service)) return [];
        // The test keeps a concurrent rewrite of the list (a helm upgrade) from having another webhook at this index.
        return [{ op: 'test', path: `/webhooks/${i}/name`, value: webhook.name }, { op: 'add', path: `/webhooks/${i}/failurePolicy`, value: 'Ignore' }];
      });
      if (patch.length > 0) await client.call('PATCH', `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${config.metadata.name}`, patch, JSON_PATCH);
    },
  };
}
