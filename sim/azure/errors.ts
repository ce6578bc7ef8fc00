// ARM's error shape: every failure the emulator answers is an ArmError thrown from the
// handler and rendered once by the server.

export interface ArmErrorBody {
  code: string;
  message: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: ArmErrorBody & { details: [] } } {
    return { error: { code: this.code, message: this.message, details: [] } };
  }
}

export const badRequest = (code: string, message: string) => new ArmError(400, code, message);

export const invalidRequest = (message: string) => badRequest('InvalidRequestFormat', message);

/** The form resource providers such as AKS use for a bad field. */
export const invalidParameter = (parameter: string, detail: string) =>
  badRequest('InvalidParameter', `The value of parameter ${parameter} is invalid. Error details: ${detail}.`);

export const missingReference = (id: string, by: string) =>
  badRequest('InvalidResourceReference', `Resource ${id} referenced by resource ${by} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);

export const anotherOperationInProgress = (id: string) =>
  new ArmError(409, 'AnotherOperationInProgress', `Another operation on this or dependent resource is in progress. To retry later, please check the status of the operation. Resource: ${id}`);
