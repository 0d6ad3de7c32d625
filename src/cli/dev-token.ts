import { sign, type Algorithm } from 'jsonwebtoken';

/** Who the banner's token speaks for. */
export const DEV_TOKEN_SUBJECT = 'lift-ws-dev';

function firstOf(value: string | undefined): string | undefined {
  const first = value
    ?.split(',')
    .map((item) => item.trim())
    .find((item) => item !== '');
  return first === '' ? undefined : first;
}

/**
 * A one-hour token for the banner's wscat line, signed the way JwtAuth verifies from the
 * environment (JWT_SECRET, the first JWT_ISSUER and JWT_AUDIENCE). None when JwtAuth would use
 * a public key or JWKS (no private key to sign with) or allows no HMAC algorithm.
 */
export function devToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const secret = env.JWT_SECRET?.trim();
  if (!secret) return undefined;
  const allowed = (env.JWT_ALGORITHMS ?? 'HS256').split(',').map((item) => item.trim());
  const algorithm = allowed.find((item) => /^HS(256|384|512)$/.test(item)) as Algorithm | undefined;
  if (!algorithm) return undefined;
  const issuer = firstOf(env.JWT_ISSUER);
  const audience = firstOf(env.JWT_AUDIENCE);
  return sign({ sub: DEV_TOKEN_SUBJECT }, secret, {
    algorithm,
    expiresIn: '1h',
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
  });
}
