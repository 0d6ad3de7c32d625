/** Where the `@connections` API of an event lives. */
export interface EndpointSource {
  domainName: string;
  stage: string;
}

/**
 * The management endpoint for an event: the bootstrap option `managementEndpoint`, else the
 * environment variable `LIFT_WS_MANAGEMENT_ENDPOINT` (custom domains, the local gateway), else
 * `https://{domainName}/{stage}`. Trailing slashes are stripped: the SDK appends
 * `/@connections/...` itself, and a trailing slash would double it.
 *
 * @example
 * resolveEndpoint({ domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'prod' });
 * // 'https://abc.execute-api.eu-west-1.amazonaws.com/prod'
 */
export function resolveEndpoint(
  source: EndpointSource,
  configured?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const explicit = nonEmpty(configured) ?? nonEmpty(env.LIFT_WS_MANAGEMENT_ENDPOINT);
  const endpoint = explicit ?? `https://${source.domainName}/${source.stage}`;
  return stripTrailingSlashes(endpoint);
}

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/i;

/**
 * The region to sign `@connections` calls for: AWS_REGION (set by Lambda), else
 * AWS_DEFAULT_REGION, else the one in an `*.execute-api.{region}.amazonaws.com` host, else
 * `us-east-1` (the SDK refuses to run without a region even for a local endpoint).
 */
export function resolveRegion(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (fromEnv) return fromEnv;
  const match = EXECUTE_API_HOST.exec(hostOf(endpoint));
  return match ? match[1].toLowerCase() : 'us-east-1';
}

/** True for endpoints on this machine (the local gateway, a test recorder). */
export function isLocalEndpoint(endpoint: string): boolean {
  const host = hostOf(endpoint).toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    // WHATWG URL keeps IPv6 hosts bracketed and compressed: `[::1]` is the only loopback form.
    host === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(host) ||
    host === '0.0.0.0'
  );
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return '';
  }
}

function stripTrailingSlashes(endpoint: string): string {
  let end = endpoint.length;
  while (end > 0 && endpoint.charCodeAt(end - 1) === 47 /* '/' */) end -= 1;
  return endpoint.slice(0, end);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
