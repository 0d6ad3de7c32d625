import type { StandardSchemaV1 } from '@standard-schema/spec';

/** A JSON Schema object, as AsyncAPI's default schema format (draft-07) reads it. */
export type JsonSchema = Record<string, unknown>;

interface StandardJsonSchema {
  readonly input: (options: { target: string }) => JsonSchema;
}

/**
 * The schema's own JSON Schema, through the vendor's converter: zod 4 (and any library that
 * implements Standard JSON Schema, `~standard.jsonSchema`) carries it on the schema itself, so
 * lift-ws imports no validator library. The input side is used: it is what a client sends.
 * Anything else gets an empty schema whose description says why.
 */
export function schemaToJsonSchema(schema: StandardSchemaV1): JsonSchema {
  const standard = schema['~standard'] as StandardSchemaV1['~standard'] & {
    jsonSchema?: StandardJsonSchema;
  };
  if (typeof standard.jsonSchema?.input === 'function') {
    try {
      // AsyncAPI 3.0's default schema format is a superset of draft-07.
      const { $schema: _dialect, ...converted } = standard.jsonSchema.input({ target: 'draft-07' });
      return converted;
    } catch (error) {
      return unconverted(standard.vendor, error instanceof Error ? error.message : String(error));
    }
  }
  return unconverted(standard.vendor);
}

function unconverted(vendor: string, reason?: string): JsonSchema {
  return {
    description:
      `No JSON Schema: the ${vendor} schema has no converter lift-ws can call` +
      (reason ? ` (${reason})` : ' (Standard JSON Schema, `~standard.jsonSchema`)') +
      '; any value is shown as allowed, the server still validates.',
  };
}
