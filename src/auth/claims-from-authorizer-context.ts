import type { AuthorizerContext } from '../events/websocket-event';
import { isPlainObject } from '../validation/is-plain-object';
import { AUTHORIZER_CONTEXT_KEYS, GATEWAY_AUTHORIZER_KEYS } from './authorizer-context-keys';

/** Registered time claims are numbers (RFC 7519 §4.1); stringified, they are restored as such. */
const NUMERIC_CLAIMS: ReadonlySet<string> = new Set(['exp', 'iat', 'nbf', 'auth_time']);
const NUMBER = /^-?\d+(\.\d+)?$/;

function parseClaimsJson(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== 'string' || json.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the claims a Lambda REQUEST authorizer left in `requestContext.authorizer`, which API
 * Gateway passes on every event of the connection with each value stringified.
 *
 * What `createJwtAuthorizer` wrote comes back exactly: the claims travel as one JSON string under
 * `claims`. When that is absent (dropped for the 8 KB limit, or another authorizer wrote the
 * context) the flat values are returned as strings, with `exp`, `iat`, `nbf` and `auth_time`
 * turned back into numbers. `principalId` and `integrationLatency` belong to API Gateway and are
 * left out. Returns undefined when there are no claims.
 *
 * @example
 * const claims = claimsFromAuthorizerContext(ctx.event.requestContext.authorizer);
 * if (claims) ctx.claims = claims;
 */
export function claimsFromAuthorizerContext(
  authorizer: AuthorizerContext | null | undefined,
): Record<string, unknown> | undefined {
  if (!isPlainObject(authorizer)) return undefined;
  const full = parseClaimsJson(authorizer[AUTHORIZER_CONTEXT_KEYS.claims]);
  if (full) return full;

  const claims: Record<string, unknown> = {};
  let found = false;
  for (const [key, value] of Object.entries(authorizer)) {
    if (
      GATEWAY_AUTHORIZER_KEYS.has(key) ||
      key === '__proto__' ||
      value === undefined ||
      value === null
    ) {
      continue;
    }
    claims[key] =
      NUMERIC_CLAIMS.has(key) && typeof value === 'string' && NUMBER.test(value)
        ? Number(value)
        : value;
    found = true;
  }
  return found ? claims : undefined;
}
