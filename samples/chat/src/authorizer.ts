import { createJwtAuthorizer } from 'lift-ws';

/**
 * The optional REQUEST authorizer on `$connect` (template.yaml, `UseAuthorizer=true`): refuses a
 * bad token before the chat Lambda runs, and hands the claims to every later event of the
 * connection in `requestContext.authorizer`. Configured from the same JWT_* variables.
 */
export const authorizer = createJwtAuthorizer();
