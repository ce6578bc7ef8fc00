/** Structural validation against the published JSON Schema, with errors as Problems. */
import { Ajv, type ErrorObject } from 'ajv';
import schema from '../schema/mesh-spec.v1alpha1.schema.json' with { type: 'json' };
import type { Problem } from './problems.ts';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
ajv.addKeyword({ keyword: 'x-rule', schemaType: 'string' });
const validate = ajv.compile(schema);

export function schemaProblems(input: unknown): Problem[] {
  if (validate(input)) return [];
  return (validate.errors ?? []).map(toProblem);
}

function toProblem(error: ErrorObject): Problem {
  const rule = `schema.${error.keyword}`;
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${error.params.missingProperty}`, rule, message: 'is required' };
    case 'additionalProperties':
      return { path: `${error.instancePath}/${error.params.additionalProperty}`, rule, message: 'is not a known field' };
    case 'pattern': {
      const described = (error.parentSchema as { 'x-rule'?: string } | undefined)?.['x-rule'];
      return { path: error.instancePath, rule, message: `must be ${described ?? `a string matching ${error.params.pattern}`}` };
    }
    default:
      return { path: error.instancePath, rule, message: error.message ?? 'is invalid' };
  }
}
