/**
 * Patch IDs of workflow changes that alter the commands of runs already in flight
 * (workflow.patched()): a run recorded before a change has no marker and keeps the old
 * commands. Never rename or reuse one; docs/upgrading.md says when one may be retired.
 */

/** provisionMesh continues as new once up and every N wake-ups, and treats a rotation's hold as a lease. */
export const LIFELONG_MESH_PATCH = 'lifelong-mesh-v1';

/** teardownMesh deletes the mesh's rotation schedule (a mesh with cells). */
export const TEARDOWN_SCHEDULE_PATCH = 'teardown-deletes-rotation-schedule-v1';

/** rotateCa confirms a cacerts write by the cluster's evidence (awaitPickup, pickupSeconds its bound), not by sleeping pickupSeconds. */
export const ROTATION_PICKUP_EVIDENCE_PATCH = 'rotation-pickup-evidence-v1';

/** Verification also reads what each cloud learned over BGP (observeLearnedRoutes) and judges east-west.routable. */
export const VERIFY_EAST_WEST_ROUTABLE_PATCH = 'verify-east-west-routable-v1';

/** Verifying tolerates failed observations (tunnel status, cluster access) until the BGP deadline instead of rolling back at the first. */
export const VERIFY_TOLERATES_OBSERVATION_FAILURES_PATCH = 'verify-tolerates-observation-failures-v1';

/** provisionMesh checks drift on a timer from the spec's drift.intervalMinutes while it is up. */
export const DRIFT_CHECKS_PATCH = 'drift-checks-v1';

/** Every workflow runs OpenTelemetry's interceptors (workflows/tracing-interceptors.ts), which delay handler and activity results by a few microtasks. */
export const TRACING_PATCH = 'opentelemetry-interceptors-v1';

/**
 * Runs started without a trace header (the starter does not trace) run without the
 * OpenTelemetry interceptors and record no TRACING_PATCH marker; runs recorded before this
 * patch keep what their marker says.
 */
export const TRACING_ONLY_WHEN_TRACED_PATCH = 'opentelemetry-only-when-traced-v1';

/** Awaiting BGP, each tunnel observation waits inside its activity (ObserveTunnelsInput.wait) instead of the workflow sleeping between single observations. */
export const BGP_WAIT_IN_OBSERVATION_PATCH = 'bgp-wait-in-observation-v1';

/**
 * provisionMesh inspects the cells' Istio and makes the rotation schedule while BGP converges (workflows/verify-beside-bgp.ts):
 * neither depends on BGP, and done after it they were the critical path's last steps. Only the routes each cloud learned wait for BGP.
 */
export const VERIFY_BESIDE_BGP_PATCH = 'verify-beside-bgp-v1';
