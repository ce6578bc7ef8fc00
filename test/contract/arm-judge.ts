/**
 * The judge of the ARM emulator's traffic: Microsoft's `oav` live validator over the
 * official REST API specifications, for the API versions the SDKs call. Neither the
 * product's nor the emulator's code takes part in the verdict.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LiveValidator, type LiveValidationIssue } from 'oav';

export interface TrafficEntry {
  request: { method: string; url: string; body?: unknown };
  response: { status: number; headers: Record<string, string>; body?: unknown };
}

export interface Violation {
  side: 'request' | 'response';
  operation: string;
  method: string;
  path: string;
  jsonPath: string;
  rule: string;
  message: string;
}

// Only the entry points: the files they $ref are read from the same tree.
const SPECS = [
  'network/resource-manager/Microsoft.Network/stable/2025-05-01/virtualNetworkGateway.json',
  'network/resource-manager/Microsoft.Network/stable/2025-05-01/virtualNetwork.json',
  'network/resource-manager/Microsoft.Network/stable/2025-05-01/publicIpAddress.json',
  'containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2026-04-01/managedClusters.json',
  'resources/resource-manager/Microsoft.Resources/resources/stable/2025-04-01/resources.json',
];

// A long-running operation's status URL is the cloud's own, not an operation of the specs.
const OPERATION_STATUS = /(\/providers\/[^/]+\/locations\/[^/]+)?\/(operations|operationResults)\/[^/]+$/i;

/** Where the specifications are: CELLBRIDGE_AZURE_SPECS, or the project's shared folder beside the repository. */
export function specsDirectory(env: Record<string, string | undefined>): string | undefined {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const candidates = [env.CELLBRIDGE_AZURE_SPECS, join(repo, '../shared/specs/azure')].filter((c): c is string => !!c);
  return candidates.find((dir) => SPECS.every((spec) => existsSync(join(dir, spec))));
}

/**
 * What the specifications require but ARM and its SDKs do not: a connection names its
 * gateways by id, and @azure/arm-network's flattened model cannot send the `properties`
 * the spec marks required on such a reference (Microsoft's own examples send a whole
 * gateway there). Tolerated by name only, never by rule alone.
 */
export const KNOWN_SPEC_GAPS: Pick<Violation, 'side' | 'operation' | 'jsonPath' | 'rule'>[] = [
  { side: 'request', operation: 'VirtualNetworkGatewayConnections_CreateOrUpdate', jsonPath: '$.properties.virtualNetworkGateway1.properties', rule: 'OBJECT_MISSING_REQUIRED_PROPERTY' },
  { side: 'request', operation: 'VirtualNetworkGatewayConnections_CreateOrUpdate', jsonPath: '$.properties.localNetworkGateway2.properties', rule: 'OBJECT_MISSING_REQUIRED_PROPERTY' },
];

export function isKnownGap(v: Violation): boolean {
  return KNOWN_SPEC_GAPS.some((g) => g.side === v.side && g.operation === v.operation && g.jsonPath === v.jsonPath && g.rule === v.rule);
}

export async function armJudge(directory: string): Promise<(entry: TrafficEntry) => Promise<Violation[]>> {
  const validator = new LiveValidator(
    { directory, swaggerPathsPattern: SPECS, git: { shouldClone: false }, isPathCaseSensitive: false, loadValidatorInInitialize: true, isArmCall: true },
    () => undefined,
  );
  await validator.initialize();
  return async (entry) => {
    const url = new URL(entry.request.url);
    if (OPERATION_STATUS.test(url.pathname)) return [];
    const result = await validator.validateLiveRequestResponse({
      liveRequest: { method: entry.request.method, url: `https://management.azure.com${url.pathname}${url.search}`, headers: { 'content-type': 'application/json' }, body: entry.request.body as Record<string, unknown> | undefined },
      liveResponse: { statusCode: String(entry.response.status), headers: { 'content-type': 'application/json', ...entry.response.headers }, body: entry.response.body as Record<string, unknown> | undefined },
    });
    const at = (side: Violation['side'], operation: string) => (issue: LiveValidationIssue): Violation => ({
      side, operation, method: entry.request.method, path: url.pathname,
      jsonPath: issue.jsonPathsInPayload?.[0] ?? '$', rule: String(issue.code), message: issue.message,
    });
    const found = (r: typeof result.requestValidationResult) => r.operationInfo?.operationId ?? 'unknown operation';
    const exception = result.runtimeException ?? result.requestValidationResult.runtimeException;
    if (exception) return [{ side: 'request', operation: 'none', method: entry.request.method, path: url.pathname, jsonPath: '$', rule: String(exception.code), message: exception.message }];
    // A request the emulator refused is an emulator test's deliberate bad input; its refusal is still judged.
    const requestIssues = entry.response.status < 400 ? result.requestValidationResult.errors.map(at('request', found(result.requestValidationResult))) : [];
    return [...requestIssues, ...result.responseValidationResult.errors.map(at('response', found(result.responseValidationResult)))];
  };
}
