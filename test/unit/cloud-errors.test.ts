import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { isNotFound, toFailure } from '../../activities/cloud-errors.ts';

const aws = (name: string, status: number) => Object.assign(new Error(`${name} from AWS`), { name, $metadata: { httpStatusCode: status } });
const azure = (code: string, status: number, retryAfter?: string) =>
  Object.assign(new Error(`${code} from ARM`), { name: 'RestError', code, statusCode: status, response: { headers: { get: (h: string) => (h === 'retry-after' ? retryAfter : undefined) } } });

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
});
