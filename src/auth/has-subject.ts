import { identityFromClaims } from './identity-from-claims';

/**
 * What `requireSub` demands, in one place for the verifier (a token on `$connect`, the
 * authorizer) and JwtAuth (stored or authorizer claims on later events): the claims name a
 * user, a non-empty `sub` or else a `userId` claim, the id that becomes `ctx.userId`.
 * @internal
 */
export function hasSubject(claims: Readonly<Record<string, unknown>>): boolean {
  return identityFromClaims(claims).userId !== undefined;
}
