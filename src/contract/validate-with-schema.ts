import type { StandardSchemaV1 } from '@standard-schema/spec';
import { boundedIssues } from './schema-issues';
import type { ValidationIssue } from './validation-issue';

/** The outcome of {@link validateWithSchema}: the schema's output, or why the value was refused. */
export type ValidationResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly value?: undefined; readonly issues: ValidationIssue[] };

/**
 * Runs a validator's `~standard.validate` on `value`, synchronous or not. Returns the schema's
 * output (zod/valibot/arktype transforms applied), or at most 20 issues with paths as strings and
 * messages cut at 200 characters. A validator that throws is a bug in the schema, not bad input:
 * that error propagates.
 *
 * @example
 * const result = await validateWithSchema(z.object({ text: z.string() }), { text: 1 });
 * // { issues: [{ path: 'text', message: 'Invalid input: expected string, received number' }] }
 */
export async function validateWithSchema<Schema extends StandardSchemaV1>(
  schema: Schema,
  value: unknown,
): Promise<ValidationResult<StandardSchemaV1.InferOutput<Schema>>> {
  const result = await schema['~standard'].validate(value);
  if (result.issues !== undefined) return { issues: boundedIssues(result.issues) };
  return { value: result.value as StandardSchemaV1.InferOutput<Schema> };
}
