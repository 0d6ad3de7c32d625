import type { StandardSchemaV1 } from '@standard-schema/spec';
import { boundedIssues } from './schema-issues';
import { ValidationFailedError } from './validation-failed-error';

/**
 * The schema's output for `value`, or a thrown {@link ValidationFailedError} (400
 * `VALIDATION_FAILED`, `details.issues` bounded). Synchronous when the validator is (zod,
 * valibot and arktype are, unless a refinement is async), so an event pipeline that stays
 * synchronous for plain routes keeps doing so; a Promise otherwise.
 *
 * @example
 * const body = parseWithSchema(chat.actions.sendMessage.body, ctx.body());
 */
export function parseWithSchema<Schema extends StandardSchemaV1>(
  schema: Schema,
  value: unknown,
): StandardSchemaV1.InferOutput<Schema> | Promise<StandardSchemaV1.InferOutput<Schema>> {
  const result = schema['~standard'].validate(value);
  if (isPromise(result)) return result.then(outputOf<Schema>);
  return outputOf<Schema>(result);
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  // Not `instanceof Promise`: a validator from another realm (a vm context) returns another Promise.
  return typeof (value as { then?: unknown }).then === 'function';
}

function outputOf<Schema extends StandardSchemaV1>(
  result: StandardSchemaV1.Result<unknown>,
): StandardSchemaV1.InferOutput<Schema> {
  if (result.issues !== undefined) throw new ValidationFailedError(boundedIssues(result.issues));
  return result.value;
}
