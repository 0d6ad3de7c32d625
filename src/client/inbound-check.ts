import type { StandardSchemaV1 } from '@standard-schema/spec';
import { boundedIssues } from '../contract/schema-issues';
import { ClientError } from './client-error';

export type InboundOutcome = { value: unknown; error?: undefined } | { error: ClientError };

/**
 * Runs the contract's schema on what the server sent, so a reply or event is the schema's
 * output (transforms applied) as its type says. Synchronous when the validator is, so events
 * keep their order; a validator that throws counts as a refusal, never as a crash of the client.
 */
export function checkInbound(
  schema: StandardSchemaV1 | undefined,
  value: unknown,
  what: string,
  done: (outcome: InboundOutcome) => void,
): void {
  if (!schema) return done({ value });
  const refuse = (details: unknown): void =>
    done({
      error: new ClientError('VALIDATION_FAILED', `${what} does not match the contract`, {
        details,
      }),
    });
  const finish = (result: StandardSchemaV1.Result<unknown>): void => {
    if (result.issues !== undefined) refuse({ issues: boundedIssues(result.issues) });
    else done({ value: result.value });
  };
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema['~standard'].validate(value);
  } catch (error) {
    return refuse({ error });
  }
  if (typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<StandardSchemaV1.Result<unknown>>).then(finish, (error: unknown) =>
      refuse({ error }),
    );
  } else finish(result as StandardSchemaV1.Result<unknown>);
}
