/** Who a set of claims names. */
export interface ClaimsIdentity {
  /** `sub`, else a `userId` claim. */
  userId: string | undefined;
  /** `tenant_id`, else a `tenantId` claim. */
  tenantId: string | undefined;
}

/** Ids may arrive as numbers (some IdPs use numeric user ids); they are used as strings. */
function idClaim(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The user and tenant ids JwtAuth puts on `ctx.userId` / `ctx.tenantId`, derived from claims the
 * same way wherever the claims came from (a token, the authorizer context, the connection store).
 *
 * @example
 * identityFromClaims({ sub: 'user-42', tenant_id: 'acme' }); // { userId: 'user-42', tenantId: 'acme' }
 */
export function identityFromClaims(claims: Readonly<Record<string, unknown>>): ClaimsIdentity {
  return {
    userId: idClaim(claims.sub) ?? idClaim(claims.userId),
    tenantId: idClaim(claims.tenant_id) ?? idClaim(claims.tenantId),
  };
}
