/**
 * EC2 creates that take no idempotency token (CreateVpc, CreateSubnet, CreateTransitGateway,
 * CreateTransitGatewayVpcAttachment, CreateVpnConnection, …) are never resent blindly. When
 * the answer to one is lost (a 5xx, a timeout, a dropped connection), EC2 may already have
 * made the resource; the SDK's own retry would then make a second one, billed and owned by
 * nobody, since the engine adopts one resource per identity. So the SDK's second attempt of
 * such a create is refused here with a retryable `CreateNotResent`: the activity's next
 * attempt looks the resource up by its tags before creating (activities/engine.ts). A
 * throttled create was refused by EC2, not performed, so the SDK may resend that one.
 */
import type { EC2Client, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-ec2';
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext } from '@smithy/types';

const REFUSED_NOT_PERFORMED = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);

export function refuseBlindCreateResends(client: EC2Client): EC2Client {
  const firstFailure = new WeakMap<object, unknown>();
  client.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<ServiceInputTypes, ServiceOutputTypes>, context: HandlerExecutionContext) => async (args: FinalizeHandlerArguments<ServiceInputTypes>) => {
      const input = args.input as { ClientToken?: unknown };
      if (!/^Create/.test(context.commandName ?? '') || input?.ClientToken !== undefined) return next(args);
      const previous = firstFailure.get(context);
      if (previous !== undefined && !REFUSED_NOT_PERFORMED.has((previous as { name?: string }).name ?? '')) throw notResent(context.commandName ?? 'create', previous);
      try {
        return await next(args);
      } catch (error) {
        firstFailure.set(context, error);
        throw error;
      }
    },
    { relation: 'after', toMiddleware: 'retryMiddleware', name: 'refuseBlindCreateResends' },
  );
  return client;
}

function notResent(command: string, previous: unknown): Error {
  const cause = previous as { name?: string; message?: string };
  return Object.assign(
    new Error(`${command.replace(/Command$/, '')} was not resent: its answer was lost (${cause.name ?? 'Error'}: ${cause.message ?? ''}) and EC2 may have performed it; the next attempt looks it up first`),
    { name: 'CreateNotResent' },
  );
}
