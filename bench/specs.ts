/** The example specs the benchmarks provision, renamed per run; normalized the way the API does it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { validateSpec } from '../domain/validate-spec.ts';
import { REPO } from '../sim/setup.ts';

export type Example = 'cells' | 'minimal';

/** The request body: the example as a user would send it, with another name. */
export function exampleBody(example: Example, name: string): Record<string, unknown> {
  const body = JSON.parse(readFileSync(join(REPO, 'examples', `${example}.json`), 'utf8')) as Record<string, unknown>;
  return { ...body, name };
}

/** What the workflow works from: defaults applied (resource group, zones, Istio, PKI). */
export function normalizedSpec(example: Example, name: string): MeshSpec {
  const validation = validateSpec(exampleBody(example, name));
  if (!validation.ok) throw new Error(`examples/${example}.json is not valid: ${JSON.stringify(validation.problems)}`);
  return validation.spec;
}
