/**
 * The keys createJwtAuthorizer writes into the authorizer context and
 * claimsFromAuthorizerContext reads back. API Gateway stringifies every value, so the claims
 * travel as one JSON string; the flat ids survive even when the JSON had to be dropped for size.
 * @internal
 */
export const AUTHORIZER_CONTEXT_KEYS = {
  claims: 'claims',
  sub: 'sub',
  userId: 'userId',
  tenantId: 'tenantId',
} as const;

/**
 * Keys API Gateway adds to `requestContext.authorizer` itself; they are not claims.
 * @internal
 */
export const GATEWAY_AUTHORIZER_KEYS: ReadonlySet<string> = new Set([
  'principalId',
  'integrationLatency',
]);
