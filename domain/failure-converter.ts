/**
 * Loaded by path (Temporal's convention, so the workflow bundle can include it):
 * failure messages and stack traces go into the encrypted payload, not plain history.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
