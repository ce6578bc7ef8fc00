/**
 * What a CI job can branch on. A mesh that ended rolled back left nothing behind; one
 * left incomplete did, and needs a person (or a second DELETE).
 */
import type { ChangeState } from '../domain/mesh-change.ts';
import type { MeshPhase } from '../domain/mesh-status.ts';

export const EXIT = {
  done: 0,
  /** The API could not be reached, or answered something unexpected. */
  error: 1,
  /** The spec or the command line is wrong (the API's 400, a missing file). */
  invalid: 2,
  /** The run failed and rolled back: nothing of it is left. */
  rolledBack: 3,
  /** The run failed and left resources behind (RollbackIncomplete, TeardownIncomplete). */
  incomplete: 4,
  /** Refused: a conflict (409), a plan that needs a replacement not allowed, or a check that failed. */
  refused: 5,
} as const;

/** Where a watch stops, and the exit code it ends with. */
export function phaseOutcome(phase: MeshPhase, goal: 'up' | 'gone'): number | undefined {
  switch (phase) {
    case 'Ready':
      return goal === 'up' ? EXIT.done : undefined;
    case 'Degraded':
      return goal === 'up' ? EXIT.refused : undefined;
    case 'Deleted':
      return goal === 'gone' ? EXIT.done : EXIT.rolledBack;
    case 'RolledBack':
      return EXIT.rolledBack;
    case 'RollbackIncomplete':
    case 'TeardownIncomplete':
      return EXIT.incomplete;
    default:
      return undefined;
  }
}

/** Where following a change stops: applied (and verified, or Degraded), rolled back, or left incomplete. */
export function changeOutcome(state: ChangeState, phase: MeshPhase): number | undefined {
  switch (state) {
    case 'Applied':
      return phase === 'Degraded' ? EXIT.refused : EXIT.done;
    case 'RolledBack':
      return EXIT.rolledBack;
    case 'RollbackIncomplete':
      return EXIT.incomplete;
    default:
      return undefined;
  }
}
