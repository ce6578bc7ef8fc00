import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { isNotFound, toFailure } from '../../activities/cloud-errors.ts';
import { HelmError } from '../../activities/kube/helm.ts';

const aws = (name: string, status: number) => Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode: status } });
const azure = (code: string, status: number, retryAfter?: string) =>
  Object.assign(new Error(`${code} from ARM`), { name: 'RestError', code, statusCode: status, response: { headers: { get: (h: string) => (h === 'retry-after' ? retryAfter : undefined) } } });

/** What @kubernetes/client-node throws for an API server's error answer: the HTTP status, its Status object, the headers. */
const kube = (status: number, reason: string, headers: Record<string, string> = {}) =>
  new ApiException(status, 'Unsuccessful HTTP Request', { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code: status, message: `${reason} from the API server` }, headers);
/** helm's stderr as client-go words the API server's errors. */
const helm = (stderr: string) => new HelmError('helm upgrade --install', stderr);

const cases: [string, unknown, { retryable: boolean; type: string; delayMs?: number }][] = [
  ['AWS throttling', aws('RequestLimitExceeded', 503), { retryable: true, type: 'aws.RequestLimitExceeded' }],
  ['an AWS 500', aws('InternalError', 500), { retryable: true, type: 'aws.InternalError' }],
  ['an AWS resource still changing state', aws('IncorrectState', 400), { retryable: true, type: 'aws.IncorrectState' }],
  ['an AWS validation error', aws('InvalidParameterValue', 400), { retryable: false, type: 'aws.InvalidParameterValue' }],
  ['an AWS quota error', aws('VpnConnectionLimitExceeded', 400), { retryable: false, type: 'aws.VpnConnectionLimitExceeded' }],
  ['an AWS auth error', aws('UnauthorizedOperation', 403), { retryable: false, type: 'aws.UnauthorizedOperation' }],
  ['an Azure 429 with Retry-After', azure('TooManyRequests', 429, '7'), { retryable: true, type: 'azure.TooManyRequests', delayMs: 7000 }],
  ['an Azure 503', azure('ServiceUnavailable', 503), { retryable: true, type: 'azure.ServiceUnavailable' }],
  ['Azure busy with another operation', azure('AnotherOperationInProgress', 409), { retryable: true, type: 'azure.AnotherOperationInProgress' }],
  ['an Azure validation error', azure('InvalidRequestFormat', 400), { retryable: false, type: 'azure.InvalidRequestFormat' }],
  ['an Azure quota error', azure('QuotaExceeded', 400), { retryable: false, type: 'azure.QuotaExceeded' }],
  ['an Azure auth error', azure('AuthorizationFailed', 403), { retryable: false, type: 'azure.AuthorizationFailed' }],
  ['a failed Azure LRO', new Error('The long-running operation has failed. GatewayProvisioningFailed. simulated'), { retryable: false, type: 'azure.GatewayProvisioningFailed' }],
  ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { retryable: true, type: 'cloud.ECONNREFUSED' }],
  ['a Kubernetes 429 with Retry-After', kube(429, 'TooManyRequests', { 'retry-after': '2' }), { retryable: true, type: 'kube.TooManyRequests', delayMs: 2000 }],
  ['a Kubernetes 503', kube(503, 'ServiceUnavailable'), { retryable: true, type: 'kube.ServiceUnavailable' }],
  ['a Kubernetes 500', kube(500, 'InternalError'), { retryable: true, type: 'kube.InternalError' }],
  ['a Kubernetes 504', kube(504, 'Timeout'), { retryable: true, type: 'kube.Timeout' }],
  ['a Kubernetes 409 conflict', kube(409, 'Conflict'), { retryable: true, type: 'kube.Conflict' }],
  ['a Kubernetes 503 whose Status is raw body text (as client-node hands it over)', new ApiException(503, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 }), {}), { retryable: true, type: 'kube.ServiceUnavailable' }],
  ['a Kubernetes 5xx without a Status body', new ApiException(502, 'Unsuccessful HTTP Request', 'Bad Gateway', {}), { retryable: true, type: 'kube.Http502' }],
  ['a Kubernetes 422 validation error', kube(422, 'Invalid'), { retryable: false, type: 'kube.Invalid' }],
  ['a Kubernetes 400', kube(400, 'BadRequest'), { retryable: false, type: 'kube.BadRequest' }],
  ['a Kubernetes 403 (RBAC)', kube(403, 'Forbidden'), { retryable: false, type: 'kube.Forbidden' }],
  ['a Kubernetes connection reset', Object.assign(new Error('request to https://127.0.0.1:1/api failed, reason: socket hang up'), { code: 'ECONNRESET' }), { retryable: true, type: 'cloud.ECONNRESET' }],
  ['helm seeing a 429', helm('Error: INSTALLATION FAILED: the server has received too many requests and has asked us to try again later (post configmaps)'), { retryable: true, type: 'helm.TooManyRequests' }],
  ['helm seeing a 503', helm('Error: UPGRADE FAILED: the server is currently unable to handle the request (get secrets sh.helm.release.v1.istiod.v1)'), { retryable: true, type: 'helm.ServiceUnavailable' }],
  ['helm seeing a 500', helm('Error: INSTALLATION FAILED: an error on the server ("injected") has prevented the request from succeeding (post deployments.apps)'), { retryable: true, type: 'helm.InternalError' }],
  ['helm seeing a 504', helm('Error: INSTALLATION FAILED: the server was unable to return a response in the time allotted, but may still be processing the request (post services)'), { retryable: true, type: 'helm.Timeout' }],
  ['helm seeing a 409', helm('Error: UPGRADE FAILED: Operation cannot be fulfilled on secrets "sh.helm.release.v1.base.v2": the object has been modified; please apply your changes to the latest version and try again'), { retryable: true, type: 'helm.Conflict' }],
  ['helm not reaching the cluster', helm('Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused'), { retryable: true, type: 'helm.Unreachable' }],
  ['helm losing the connection', helm('Error: INSTALLATION FAILED: Post "https://127.0.0.1:6443/api/v1/namespaces/istio-system/services": unexpected EOF'), { retryable: true, type: 'helm.Unreachable' }],
  ['helm uninstall stopping part way (a delete it made failed)', helm('Error: failed to delete release: istiod'), { retryable: true, type: 'helm.UninstallIncomplete' }],
  ['helm seeing a validation error', helm('Error: INSTALLATION FAILED: 1 error occurred:\n\t* Deployment.apps "istiod" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'), { retryable: false, type: 'helm.Failed' }],
  ['helm refused by RBAC', helm('Error: query: failed to query with labels: secrets is forbidden: User "x" cannot list resource "secrets" in API group "" in the namespace "istio-system"'), { retryable: false, type: 'helm.Failed' }],
];

for (const [what, error, expected] of cases) {
  test(`${what} is ${expected.retryable ? 'retried' : 'not retried'} (${expected.type})`, () => {
    const failure = toFailure(error, 'create x') as ApplicationFailure;
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, !expected.retryable);
    assert.equal(failure.type, expected.type);
    if (expected.delayMs !== undefined) assert.equal(failure.nextRetryDelay, expected.delayMs);
  });
}

test('not-found is recognised by status or by code, including Secrets Manager\'s 400 ResourceNotFoundException', () => {
  assert.equal(isNotFound(aws('InvalidVpcID.NotFound', 400)), true);
  assert.equal(isNotFound(aws('ResourceNotFoundException', 400)), true);
  assert.equal(isNotFound(azure('ResourceNotFound', 404)), true);
  assert.equal(isNotFound(aws('InvalidParameterValue', 400)), false);
  assert.equal(isNotFound(kube(404, 'NotFound')), true);
  assert.equal(isNotFound(kube(409, 'Conflict')), false);
});

test("a call aborted by the activity's cancellation stays an AbortError, which the SDK reports as the activity cancelled, not failed", () => {
  // What @azure/abort-controller and node's AbortSignal throw when a cancelled activity's signal aborts a call in flight.
  for (const aborted of [Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }), new DOMException('This operation was aborted', 'AbortError')]) {
    const failure = toFailure(aborted, 'create azure/local-network-gateway/0');
    assert.equal(failure, aborted);
    assert.equal(failure.name, 'AbortError');
  }
});
