/** What a secret is replaced with. */
export const REDACTED = '[REDACTED]';

// The third segment is optional so that a token cut by the size bound is still caught.
const JWT_PATTERN = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?/g;
const BEARER_PATTERN = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
// Case-sensitive: "basic" in prose is common, the HTTP scheme is spelled `Basic`.
const BASIC_PATTERN = /\b(Basic)\s+[A-Za-z0-9+/=]{6,}/g;
const QUERY_SECRET_PATTERN = /([?&](?:authorization|token|access_token|id_token)=)[^&\s"']+/gi;
/** One scan that says whether any pattern above can match, so clean strings cost one test. */
const MAY_HOLD_SECRET = /eyJ|Bearer|Basic|[?&](?:authorization|token|access_token|id_token)=/i;
/** Shorter strings cannot hold a match ("?token=x" and "Bearer x" are 8). */
const SHORTEST_SECRET = 8;

/**
 * Scrubs secrets that can hide inside free text (a message built from a header, a logged URL,
 * an error message quoting a token): JWTs, `Bearer`/`Basic` credentials, token query parameters.
 */
export function redactString(value: string): string {
  if (value.length < SHORTEST_SECRET || !MAY_HOLD_SECRET.test(value)) return value;
  return value
    .replace(JWT_PATTERN, REDACTED)
    .replace(BEARER_PATTERN, `$1 ${REDACTED}`)
    .replace(BASIC_PATTERN, `$1 ${REDACTED}`)
    .replace(QUERY_SECRET_PATTERN, `$1${REDACTED}`);
}
