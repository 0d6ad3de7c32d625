/** The variable the framework reads for a management endpoint other than `https://{domainName}/{stage}`. */
export const MANAGEMENT_ENDPOINT_VARIABLE = 'LIFT_WS_MANAGEMENT_ENDPOINT';

/** The facts of an event that say where its `@connections` API lives. */
export interface EndpointSource {
  domainName: string;
  stage: string;
  /** `requestContext.apiId`: with the Lambda's region it names the execute-api host. */
  apiId?: string;
}

const EXECUTE_API_HOST = /^[a-z0-9-]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/i;
// API ids are 10 lower-case alphanumerics; anything else is not worth a DNS name.
const API_ID = /^[a-z0-9]{1,64}$/i;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * The management endpoint for an event: the bootstrap option `managementEndpoint`, else the
 * environment variable `LIFT_WS_MANAGEMENT_ENDPOINT` (the local gateway, a proxy), else
 * `https://{domainName}/{stage}` when the domain is an execute-api host or on this machine,
 * else (a custom domain) `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` with the
 * Lambda's region: a custom domain's base-path mapping rarely routes `@connections`, while the
 * API's own host always does. Trailing slashes are stripped: the path gets
 * `/@connections/...` appended, and a trailing slash would double it.
 *
 * @example
 * resolveEndpoint({ domainName: 'chat.example.com', stage: 'prod', apiId: 'abc123' }, undefined,
 *   { AWS_REGION: 'eu-west-1' });
 * // 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod'
 */
export function resolveEndpoint(
  source: EndpointSource,
  configured?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const explicit = nonEmpty(configured) ?? nonEmpty(env[MANAGEMENT_ENDPOINT_VARIABLE]);
  if (explicit) return stripTrailingSlashes(explicit);
  const derived = executeApiEndpoint(source, env);
  return stripTrailingSlashes(derived ?? `https://${source.domainName}/${source.stage}`);
}

/** The API's own endpoint when the event came through a custom domain; else undefined. */
function executeApiEndpoint(source: EndpointSource, env: NodeJS.ProcessEnv): string | undefined {
  const domain = source.domainName;
  if (EXECUTE_API_HOST.test(domain) || isLocalEndpoint(`https://${domain}`)) return undefined;
  const region = lambdaRegion(env);
  const apiId = source.apiId;
  if (region === undefined || typeof apiId !== 'string' || !API_ID.test(apiId)) return undefined;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${apiId}.execute-api.${region}.${suffix}/${source.stage}`;
}

/**
 * The region to sign `@connections` calls for: the one in an
 * `*.execute-api.{region}.amazonaws.com` host first (a Lambda in eu-west-1 posting to an API
 * in us-east-1 must sign for us-east-1), else AWS_REGION (set by Lambda), else
 * AWS_DEFAULT_REGION, else `us-east-1` (the SDK refuses to run without a region even for a
 * local endpoint).
 */
export function resolveRegion(endpoint: string, env: NodeJS.ProcessEnv = process.env): string {
  const match = EXECUTE_API_HOST.exec(hostOf(endpoint));
  if (match) return match[1].toLowerCase();
  return lambdaRegion(env) ?? 'us-east-1';
}

function lambdaRegion(env: NodeJS.ProcessEnv): string | undefined {
  const region = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  return region !== undefined && REGION.test(region) ? region : undefined;
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
