/**
 * Every call to a cloud API, as the SDKs make it, reported with its operation and outcome:
 * an AWS SDK middleware after the retry middleware and an Azure pipeline policy per retry,
 * so each attempt on the wire counts once (a throttled call retried by the SDK is two calls).
 */
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext } from '@smithy/types';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { azureOperationOf } from '../domain/metric-labels.ts';

/** `code` is `OK`, the cloud's error code (AWS) or HTTP status (ARM), or the client-side error's name. */
export type CloudCallObserver = (cloud: 'aws' | 'azure', operation: string, code: string) => void;

interface MiddlewareClient {
  middlewareStack: { addRelativeTo(middleware: unknown, options: { relation: 'after'; toMiddleware: string; name: string }): void };
}

export function observeAwsCalls<C extends MiddlewareClient>(client: C, observe: CloudCallObserver): C {
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, object>, context: HandlerExecutionContext) => async (args: FinalizeHandlerArguments<object>) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      try {
        const output = await next(args);
        observe('aws', operation, 'OK');
        return output;
      } catch (error) {
        observe('aws', operation, (error as { name?: string }).name ?? 'Error');
        throw error;
      }
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'observeCloudCalls' },
  );
  return client;
}

export function azureCallPolicy(observe: CloudCallObserver): PipelinePolicy {
  return {
    name: 'observeCloudCalls',
    async sendRequest(request, next) {
      const operation = azureOperationOf(request.method, request.url);
      try {
        const response = await next(request);
        observe('azure', operation, response.status < 400 ? 'OK' : String(response.status));
        return response;
      } catch (error) {
        observe('azure', operation, (error as { code?: string; name?: string }).code ?? (error as { name?: string }).name ?? 'Error');
        throw error;
      }
    },
  };
}
