/**
 * The API's contract as OpenAPI 3.1, served at GET /v1/openapi.json. The mesh spec is
 * the same JSON Schema the API validates with, so the document cannot drift from it.
 */
import meshSpecSchema from '../schema/mesh-spec.v1alpha1.schema.json' with { type: 'json' };

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const meshName = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: meshSpecSchema.properties.name.pattern } };

const { $schema: _dialect, $id: _id, ...meshSpec } = meshSpecSchema;

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };
const temporalUnavailable = {
  description: 'Temporal cannot be reached within the API\'s deadline (CELLBRIDGE_API_TEMPORAL_TIMEOUT_MS), error TemporalUnavailable; or Temporal answers but no worker answered the workflow\'s query in that time (all workers stopped, or one is being replaced), error WorkerUnavailable. Retry after Retry-After. With OIDC also when the issuer\'s keys cannot be fetched, error IssuerUnavailable (without Retry-After)',
  headers: retryAfter,
  content: json(ref('Error')),
};

/**
 * What every route shares, added to each operation: 403 (a reader on a route that needs an
 * operator; no token: a Host that is not loopback, or a change from another origin), 503 when Temporal is unreachable, 400 for a
 * path parameter that breaks its rule, and 413/415 for bodies.
 */
function withSharedResponses<T extends Record<string, Record<string, any>>>(paths: T): T {
  const shared = (path: string, operation: Record<string, any>) => ({
    ...(path.includes('{name}') ? { 400: { description: 'A path parameter breaks its rule ({name}: the spec\'s name rule; {rotationId}: a rotation ID)', content: json(ref('Problems')) } } : {}),
    403: errorResponse('A reader (an OIDC token whose operator claim holds none of the operator values) on a route other than GET; or, without a token (CELLBRIDGE_INSECURE_NO_AUTH=1), a Host that is not a loopback name, or a change from a web page of another origin'),
    ...(operation.requestBody ? { 413: errorResponse('The body exceeds 1 MiB (from Content-Length, before it is read, or as it arrives)'), 415: errorResponse('The body is not application/json') } : {}),
    ...(path.startsWith('/codec/') ? {} : { 503: temporalUnavailable }),
  });
  const merge = (path: string, operation: Record<string, any>) => {
    const responses: Record<string, any> = { ...shared(path, operation), ...operation.responses };
    const extra400 = shared(path, operation)[400];
    if (extra400 && operation.responses[400]) responses[400] = { ...operation.responses[400], description: `${operation.responses[400].description}; or ${extra400.description.replace(/^A/, 'a')}` };
    return { ...operation, responses };
  };
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(Object.entries(item).map(([key, operation]) => [key, key === 'parameters' || operation.security?.length === 0 ? operation : merge(path, operation)])),
    ]),
  ) as T;
}

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'cellbridge',
    version: 'v1',
    description: 'Provisions and tears down federated AWS + Azure meshes. Every route but /healthz, /readyz and this document needs `Authorization: Bearer <token>`: the static CELLBRIDGE_API_TOKEN or an OIDC token from the configured issuer. GET routes are open to readers; every other route needs an operator.',
  },
  security: [{ bearer: [] }],
  paths: withSharedResponses({
    '/v1/meshes': {
      post: {
        summary: 'Validate a mesh spec and start provisioning it (idempotent for the same spec)',
        parameters: [{ name: 'dryRun', in: 'query', schema: { type: 'boolean' }, description: 'Validate and plan only; nothing is started.' }],
        requestBody: { required: true, content: json(ref('MeshSpec')) },
        responses: {
          200: { description: 'dryRun: the spec is valid; the normalized spec and the tunnel plan', content: json({ type: 'object' }) },
          202: { description: 'Provisioning started (created: true) or already running with this spec (created: false)', content: json(ref('Accepted')) },
          400: { description: 'Invalid spec: every problem with its path and rule; nothing was started', content: json(ref('Problems')) },
          401: errorResponse('Missing, wrong, expired or foreign bearer token'),
          409: errorResponse('The mesh exists with a different spec, is being torn down, or its last run left resources behind (error LeftoversExist, with phase and leftovers: DELETE sweeps them first)'),
        },
      },
      get: {
        summary: 'List meshes with their phase',
        responses: { 200: { description: 'Meshes, newest run of each', content: json({ type: 'object', properties: { meshes: { type: 'array', items: ref('MeshSummary') } } }) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token') },
      },
    },
    '/v1/meshes/{name}': {
      parameters: [meshName],
      get: {
        summary: 'Phase, every resource with its cloud ID and state, every tunnel with its AWS and Azure status, every cluster with its endpoint and node pool',
        responses: { 200: { description: 'The mesh status', content: json(ref('MeshStatus')) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such mesh') },
      },
      put: {
        summary: 'A whole new spec for a live mesh: with dryRun, the plan (every resource of both clouds and every cell as create, update, replace, delete or unchanged, the fields that cause it, expected seconds, what traffic it interrupts); without, the change is applied by the mesh\'s workflow (allowed replacements of a cell taken down first, creates and the replaced resources made again, updates in place, deletions last; rolled back to the old spec on failure), its progress under `change` in GET',
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'boolean' }, description: 'Plan only; nothing is changed.' },
          { name: 'allowReplace', in: 'query', schema: { type: 'boolean' }, description: "Accept deleting and making again what a cloud cannot change in place: within a cell (a cluster, its node pool or subnet, and what is built on them), the tunnels (the Azure gateway's ASN), the transit gateway (its ASN) or the VPC (its range or its subnets', with every AWS cell in it). The Azure VPN gateway, its subnet and public IPs, the VNet's range, the resource group and a root CA by reference are not replaced on a live mesh; a new key type of the generated root is applied by a root rotation the mesh starts once the change stands (plan.rootRotation)." },
        ],
        requestBody: { required: true, content: json(ref('MeshSpec')) },
        responses: {
          200: { description: 'dryRun: the plan (plan.refused lists replacements not allowed, replacements of the Azure side of the backbone or of a root CA by reference a live mesh does not apply, and Kubernetes version steps the clouds refuse; plan.rootRotation, the root rotation a new root key type is applied by once the change stands)', content: json({ type: 'object' }) },
          202: { description: 'The change is accepted and being applied: its changeId and plan', content: json({ type: 'object' }) },
          400: { description: 'Invalid spec, a spec naming another mesh, a replacement not allowed, or one of the Azure side of the backbone or of a root CA by reference (problems name the field, the rule and why)', content: json(ref('Problems')) },
          401: errorResponse('Missing, wrong, expired or foreign bearer token'),
          404: errorResponse('No such mesh'),
          409: errorResponse('The mesh is not up, not Ready or Degraded, held by a rotation, about to be torn down, or another change is running'),
        },
      },
      delete: {
        summary: 'Tear the mesh down in reverse dependency order',
        responses: {
          200: { description: 'Already deleted', content: json({ type: 'object' }) },
          202: { description: 'Teardown started', content: json({ type: 'object' }) },
          401: errorResponse('Missing, wrong, expired or foreign bearer token'),
          404: errorResponse('No such mesh'),
        },
      },
    },
    '/v1/meshes/{name}/verification': {
      parameters: [meshName],
      get: {
        summary: 'The latest verification: every check (root fingerprints, intermediates, meshID, network labels, readiness, east-west address, east-west address routable from the other cloud over BGP, remote secrets, no static cloud credentials) with pass/fail and evidence',
        responses: { 200: { description: 'The report', content: json(ref('Verification')) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such mesh'), 409: errorResponse('Not verified yet') },
      },
      post: {
        summary: 'Verify again now (the mesh must be up); poll GET for the new checkedAt',
        responses: { 202: { description: 'Verification requested', content: json({ type: 'object' }) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such mesh'), 409: errorResponse('The mesh is not up') },
      },
    },
    '/v1/meshes/{name}/drift-checks': {
      parameters: [meshName],
      post: {
        summary: 'Check drift now: every resource of the mesh is read and compared with its desired state, and under spec.drift.mode=repair what drifted is converged back (deleted resources made again). Accepted at once with the check\'s ID (a check already waiting or running is that one); the report is served by GET …/drift',
        responses: {
          202: { description: 'The check is accepted: its checkId', content: json({ type: 'object', required: ['mesh', 'checkId'], properties: { mesh: { type: 'string' }, accepted: { type: 'boolean' }, checkId: { type: 'string' }, report: { type: 'string', description: 'Where the report appears' } } }) },
          401: errorResponse('Missing, wrong, expired or foreign bearer token'),
          404: errorResponse('No such mesh'),
          409: errorResponse('The mesh is not up, not Ready or Degraded, being changed, held by a rotation or about to be torn down (problems name the rule)'),
        },
      },
    },
    '/v1/meshes/{name}/drift': {
      parameters: [meshName],
      get: {
        summary: 'The drift check running, the last drift report (each drifted resource with its fields, expected and actual values; secret values as sha256 fingerprints only) and when the next scheduled check is due',
        responses: { 200: { description: 'Drift', content: json(ref('Drift')) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such mesh') },
      },
    },
    '/v1/meshes/{name}/rotation-schedule': {
      parameters: [meshName],
      get: { summary: 'The rotation schedule of a mesh: interval, jitter, paused and why, next and recent runs', responses: { 200: { description: 'The schedule', content: json({ type: 'object' }) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No schedule (the mesh is not up with cells)') } },
      patch: {
        summary: 'Change the interval, pause with a note, or resume',
        requestBody: { required: true, content: json({ type: 'object', additionalProperties: false, properties: { intervalHours: { type: 'integer', minimum: 1 }, paused: { type: 'boolean' }, note: { type: 'string' } } }) },
        responses: { 200: { description: 'The schedule after the change', content: json({ type: 'object' }) }, 400: { description: 'Invalid change', content: json(ref('Problems')) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No schedule') },
      },
    },
    '/v1/meshes/{name}/rotations': {
      parameters: [meshName],
      post: {
        summary: 'Rotate now: every intermediate, or the root in three phases',
        requestBody: { required: true, content: json({ type: 'object', required: ['kind'], properties: { kind: { enum: ['intermediate', 'root'] } } }) },
        responses: { 202: { description: 'Started; poll the rotation', content: json({ type: 'object', properties: { rotationId: { type: 'string' } } }) }, 400: { description: 'Unknown kind', content: json(ref('Problems')) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such mesh'), 409: errorResponse('The mesh is not up') },
      },
    },
    '/v1/meshes/{name}/rotations/{rotationId}': {
      parameters: [
        meshName,
        { name: 'rotationId', in: 'path', required: true, description: 'As returned by POST …/rotations (rotation-<mesh>-<kind>-<8 hex>) or listed by the schedule (rotation-<mesh>-scheduled-<UTC time>); a rotation of another mesh is 404', schema: { type: 'string' } },
      ],
      get: { summary: 'Progress of a rotation: phase and each cluster\'s state', responses: { 200: { description: 'Progress', content: json({ type: 'object' }) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such rotation') } },
    },
    '/v1/meshes/{name}/drills': {
      parameters: [meshName],
      post: {
        summary: 'Start a failover drill: deploy the probe, check cross-cell mutual TLS, degrade one cell\'s echo, measure failover and failback, remove the probe',
        requestBody: { required: false, content: json({ type: 'object', properties: { cell: { type: 'string', description: 'The cell to degrade; default the cell in the region of the first failover rule\'s from, else the first cell' } } }) },
        responses: {
          202: { description: 'Started; poll the drill', content: json({ type: 'object', properties: { mesh: { type: 'string' }, drillId: { type: 'string' }, cell: { type: 'string' }, href: { type: 'string' } } }) },
          400: { description: 'No such cell, or a mesh of one cell', content: json(ref('Problems')) },
          401: errorResponse('Missing, wrong, expired or foreign bearer token'),
          404: errorResponse('No such mesh'),
          409: errorResponse('The mesh is not up (NotUp), or a rotation, a teardown or another drill holds it (MeshBusy)'),
        },
      },
    },
    '/v1/meshes/{name}/drills/{drillId}': {
      parameters: [
        meshName,
        { name: 'drillId', in: 'path', required: true, description: 'As returned by POST …/drills (drill-<mesh>-<8 hex>); a drill of another mesh is 404', schema: { type: 'string' } },
      ],
      get: { summary: 'A drill\'s phase, timeline and report: requests sent, failures, failures outside the switch-overs, time to fail over and back, cross-cell mutual-TLS checks, identities seen', responses: { 200: { description: 'Progress and report', content: json({ type: 'object' }) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token'), 404: errorResponse('No such drill') } },
    },
    '/codec/{operation}': {
      parameters: [{ name: 'operation', in: 'path', required: true, schema: { enum: ['encode', 'decode'] } }],
      post: {
        summary: "Temporal Web UI codec endpoint: decrypts payloads for an authorised viewer",
        requestBody: { required: true, content: json({ type: 'object', properties: { payloads: { type: 'array' } } }) },
        responses: { 200: { description: 'The payloads, encoded or decoded', content: json({ type: 'object' }) }, 401: errorResponse('Missing, wrong, expired or foreign bearer token') },
      },
    },
    '/healthz': { get: { security: [], summary: 'Liveness: the process answers; never touches Temporal', responses: { 200: { description: 'The API is up', content: json({ type: 'object' }) } } } },
    '/readyz': {
      get: {
        security: [],
        summary: 'Readiness: whether Temporal answers a health check now',
        responses: {
          200: { description: 'Temporal is reachable', content: json({ type: 'object', properties: { ready: { const: true }, temporal: { const: 'reachable' } } }) },
          503: { description: 'Temporal is unreachable', headers: retryAfter, content: json({ type: 'object', properties: { ready: { const: false }, temporal: { const: 'unreachable' }, message: { type: 'string' } } }) },
        },
      },
    },
    '/v1/openapi.json': { get: { security: [], summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
  }),
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      MeshSpec: meshSpec,
      Accepted: {
        type: 'object',
        required: ['mesh', 'workflowId', 'created'],
        properties: { mesh: { type: 'string' }, workflowId: { type: 'string' }, runId: { type: 'string' }, created: { type: 'boolean' } },
      },
      Problems: {
        type: 'object',
        properties: {
          error: { const: 'InvalidRequest' },
          message: { type: 'string' },
          problems: { type: 'array', items: { type: 'object', required: ['path', 'rule', 'message'], properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
      Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } },
      MeshSummary: { type: 'object', properties: { mesh: { type: 'string' }, phase: { type: 'string' }, workflowStatus: { type: 'string' }, type: { type: 'string' } } },
      Verification: {
        type: 'object',
        required: ['passed', 'checkedAt', 'checks'],
        properties: {
          mesh: { type: 'string' },
          phase: { type: 'string' },
          passed: { type: 'boolean' },
          checkedAt: { type: 'string', format: 'date-time' },
          checks: { type: 'array', items: { type: 'object', required: ['id', 'pass', 'evidence'], properties: { id: { type: 'string' }, cluster: { type: 'string' }, pass: { type: 'boolean' }, evidence: { type: 'string' } } } },
        },
      },
      ResourceDrift: {
        type: 'object',
        required: ['id', 'kind', 'name', 'state', 'fields', 'repairBy'],
        properties: {
          id: { type: 'string', description: 'The resource graph node' },
          kind: { type: 'string' },
          name: { type: 'string', description: 'Its name in its cloud or cluster' },
          state: { enum: ['drifted', 'missing', 'unchecked'], description: 'unchecked: it depends on a missing resource, or could not be read' },
          fields: { type: 'array', items: { type: 'object', required: ['field', 'expected', 'actual'], properties: { field: { type: 'string' }, expected: { type: 'string' }, actual: { type: 'string' } } } },
          repairBy: { enum: ['create', 'update', 'replace'] },
        },
      },
      DriftReport: {
        type: 'object',
        required: ['checkId', 'trigger', 'mode', 'startedAt', 'checked', 'drifts'],
        properties: {
          checkId: { type: 'string' },
          trigger: { enum: ['schedule', 'request', 'spec-changed'] },
          mode: { enum: ['report', 'repair'] },
          startedAt: { type: 'string', format: 'date-time' },
          finishedAt: { type: 'string', format: 'date-time' },
          checked: { type: 'integer', description: 'Resources read' },
          drifts: { type: 'array', items: ref('ResourceDrift'), description: 'What the check found, before any repair' },
          repair: {
            type: 'object',
            properties: {
              state: { enum: ['Repaired', 'NotRepaired'] },
              rounds: { type: 'integer' },
              repaired: { type: 'array', items: { type: 'string' } },
              remaining: { type: 'array', items: ref('ResourceDrift'), description: 'What a check after the repair still found' },
              error: { type: 'string' },
            },
          },
          error: { type: 'string', description: 'The check could not run to its end' },
        },
      },
      Drift: {
        type: 'object',
        properties: {
          mesh: { type: 'string' },
          phase: { type: 'string' },
          running: { type: 'object', properties: { checkId: { type: 'string' }, trigger: { type: 'string' }, startedAt: { type: 'string', format: 'date-time' } } },
          last: ref('DriftReport'),
          nextCheckAt: { type: 'string', format: 'date-time' },
        },
      },
      ClusterStatus: {
        type: 'object',
        required: ['cell', 'cloud', 'name', 'state', 'network', 'nodePool'],
        properties: {
          cell: { type: 'string' },
          cloud: { enum: ['aws', 'azure'] },
          name: { type: 'string' },
          state: { type: 'string' },
          cloudState: { type: 'string' },
          endpoint: { type: 'string', description: 'The API server URL the cloud reports' },
          kubernetesVersion: { type: 'string' },
          network: { type: 'string' },
          nodePool: { type: 'object', properties: { count: { type: 'integer' }, size: { type: 'string' }, state: { type: 'string' } } },
          access: { type: 'object', description: 'Set once the orchestrator listed namespaces with the cloud\'s own credentials', properties: { server: { type: 'string' }, namespaces: { type: 'array', items: { type: 'string' } } } },
        },
      },
      MeshStatus: {
        type: 'object',
        required: ['mesh', 'phase', 'resources', 'tunnels', 'clusters', 'cleanupFailures'],
        properties: {
          mesh: { type: 'string' },
          naming: { type: 'integer', description: 'The naming version the mesh\'s resources were built with (docs/naming.md)' },
          phase: { type: 'string' },
          error: { type: 'string' },
          resources: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' }, state: { type: 'string' }, cloudId: { type: 'string' } } } },
          tunnels: { type: 'array', items: { type: 'object' } },
          clusters: { type: 'array', items: ref('ClusterStatus') },
          cleanupFailures: { type: 'array', items: { type: 'object' } },
          verification: ref('Verification'),
          rotation: { type: 'object', description: 'The rotation holding the mesh now (no teardown or second rotation until it lets go or stops running)', properties: { rotationId: { type: 'string' }, claimedAt: { type: 'string', format: 'date-time' } } },
          continuedRuns: { type: 'integer', description: 'How many times the mesh workflow has continued as new (its history stays bounded)' },
          drift: ref('Drift'),
          workflow: { type: 'object', properties: { id: { type: 'string' }, runId: { type: 'string' }, type: { type: 'string' }, status: { type: 'string' } } },
        },
      },
    },
  },
} as const;
