/**
 * A secret for local tokens only. Anyone can read it here, so a deployed stack must get its own
 * (template.yaml's JwtSecret parameter).
 */
const DEV_JWT_SECRET = 'lift-ws-chat-local-development-secret-do-not-deploy';
const DEV_JWT_ISSUER = 'lift-ws-dev';
const DEV_JWT_AUDIENCE = 'lift-ws-chat';

/** Every variable JwtAuth and createJwtAuthorizer read their configuration from. */
export const JWT_VARIABLES = [
  'JWT_SECRET',
  'JWT_PUBLIC_KEY',
  'JWT_JWKS_URI',
  'JWT_ALGORITHMS',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
] as const;

/** Remembers the variables' current values; the function it returns puts them back. */
export function saveEnvironment(names: readonly string[]): () => void {
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export interface DevJwtEnvironment {
  secret: string;
  issuer: string;
  audience: string;
  restore(): void;
}

/**
 * JwtAuth is configured from the environment when bootstrap builds the handler, so the variables
 * must hold the dev settings before that; `restore` puts them back. A JWT_SECRET the user
 * exported is kept (tokens are then signed with it).
 */
export function useDevJwtEnvironment(): DevJwtEnvironment {
  const restore = saveEnvironment(JWT_VARIABLES);
  const secret = process.env.JWT_SECRET?.trim() || DEV_JWT_SECRET;
  const issuer = process.env.JWT_ISSUER?.trim() || DEV_JWT_ISSUER;
  const audience = process.env.JWT_AUDIENCE?.trim() || DEV_JWT_AUDIENCE;
  delete process.env.JWT_PUBLIC_KEY;
  delete process.env.JWT_JWKS_URI;
  delete process.env.JWT_ALGORITHMS;
  process.env.JWT_SECRET = secret;
  process.env.JWT_ISSUER = issuer;
  process.env.JWT_AUDIENCE = audience;
  return { secret, issuer, audience, restore };
}
