import type { StandardSchemaV1 } from '@standard-schema/spec';

/**
 * Whether `value` implements Standard Schema v1 (zod 3.24+/4, valibot 1, arktype 2 do). Schemas
 * may be functions (arktype's are), so a plain-object check would refuse them.
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as Partial<StandardSchemaV1>)['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    props.version === 1 &&
    typeof props.validate === 'function'
  );
}
