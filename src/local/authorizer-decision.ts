import { errorMessage } from '../errors/error-message';

/** The verdict on a `$connect` handshake after the Lambda authorizer ran. */
export type AuthorizerDecision =
  | { allow: true; principalId: string; context: Record<string, string> }
  | { allow: false; statusCode: 401 | 403 | 500; message: string; reason: string };

interface PolicyStatement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** IAM-style glob: `*` any run of characters, `?` one. */
function globMatches(pattern: unknown, value: string): boolean {
  if (typeof pattern !== 'string') return false;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(value);
}

function statementApplies(statement: PolicyStatement, methodArn: string): boolean {
  return (
    asList(statement.Action).some((action) => globMatches(action, 'execute-api:Invoke')) &&
    asList(statement.Resource).some((resource) => globMatches(resource, methodArn))
  );
}

/** API Gateway refuses with 401 when the authorizer fails with exactly "Unauthorized". */
export function decideOnAuthorizerError(error: unknown): AuthorizerDecision {
  const message = errorMessage(error);
  if (message === 'Unauthorized') {
    return {
      allow: false,
      statusCode: 401,
      message: 'Unauthorized',
      reason: 'authorizer: Unauthorized',
    };
  }
  return {
    allow: false,
    statusCode: 500,
    message: 'Internal server error',
    reason: `authorizer failed: ${message}`,
  };
}

/**
 * Reads a REQUEST authorizer's answer as API Gateway does: an explicit Deny wins, then an
 * Allow for `execute-api:Invoke` on the method ARN; context values must be scalars and reach
 * later events as strings.
 */
export function decideOnAuthorizerResult(result: unknown, methodArn: string): AuthorizerDecision {
  const misconfigured = (reason: string): AuthorizerDecision => ({
    allow: false,
    statusCode: 500,
    message: 'Internal server error',
    reason: `authorizer result invalid: ${reason}`,
  });
  if (result === null || typeof result !== 'object') return misconfigured('not an object');
  const { principalId, policyDocument, context } = result as Record<string, unknown>;
  if (typeof principalId !== 'string') return misconfigured('principalId must be a string');
  const statements = (policyDocument as { Statement?: unknown } | undefined)?.Statement;
  if (statements === undefined || statements === null)
    return misconfigured('policyDocument.Statement missing');

  const applicable = asList(statements)
    .filter((s): s is PolicyStatement => s !== null && typeof s === 'object')
    .filter((s) => statementApplies(s, methodArn));
  const effectIs = (effect: string) => (s: PolicyStatement) =>
    typeof s.Effect === 'string' && s.Effect.toLowerCase() === effect;
  if (applicable.some(effectIs('deny')) || !applicable.some(effectIs('allow'))) {
    return {
      allow: false,
      statusCode: 403,
      message: 'Forbidden',
      reason: 'authorizer policy denies $connect',
    };
  }

  const stringified: Record<string, string> = {};
  if (context !== undefined && context !== null) {
    if (typeof context !== 'object') return misconfigured('context must be an object');
    for (const [key, value] of Object.entries(context)) {
      if (value === undefined || value === null) continue;
      // AWS rejects nested objects and arrays in the authorizer context.
      if (typeof value === 'object')
        return misconfigured(`context.${key} is not a string, number or boolean`);
      stringified[key] = String(value);
    }
  }
  return { allow: true, principalId, context: stringified };
}
