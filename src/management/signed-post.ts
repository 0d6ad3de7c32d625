import { createHash } from 'node:crypto';
import type { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/transport';
import type { AttemptFacts } from './call-failure';
import type { AttemptLimits } from './attempt-limits';
import { ConnectionsApiError } from './connections-api-error';

/** Where the lean path posts: one endpoint's parsed URL, agent and signer. @internal */
export interface PostTarget {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number | undefined;
  /** The `host` header, as the SDK sends it (with the port when there is one). */
  readonly host: string;
  /** The endpoint's path (the stage), without a trailing slash. */
  readonly basePath: string;
  readonly agent: HttpAgent;
  readonly request: (
    options: RequestOptions,
    onResponse: (res: IncomingMessage) => void,
  ) => ClientRequest;
  readonly signer: SignatureV4;
}

/** A message body with its SHA-256, computed once per call and shared by every recipient. */
export interface SignedPayload {
  readonly bytes: Uint8Array;
  /** Hex SHA-256 of `bytes`: sent as `x-amz-content-sha256`, so the signer does not rehash. */
  readonly sha256?: string;
}

/** Hashes a message body once, for every post of it. @internal */
export function signedPayload(bytes: Uint8Array): SignedPayload {
  return { bytes, sha256: sha256Hex(bytes) };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// Enough of an error body for its message; @connections error bodies are a few dozen bytes.
const MAX_ERROR_BODY = 4096;

/**
 * PostToConnection without the SDK's per-call middleware stack (endpoint rules, schema
 * serialisation, user agent, retry strategy), which costs about twice what signing and HTTP
 * need (measured in bench/fanout.bench.ts): the request is the one the SDK builds, signed by
 * the SDK's own SigV4 signer with the SDK client's credential provider, on a keep-alive agent.
 *
 * The attempt's timer starts when the request gets its socket and runs until the whole answer
 * is read (headers then silence is a timeout); the deadline cuts it off at any point. `facts`
 * says afterwards whether the request was fully written, which decides if a retry is safe.
 * @internal
 */
export async function signedPost(
  target: PostTarget,
  connectionId: string,
  payload: SignedPayload,
  limits: AttemptLimits,
  facts: AttemptFacts,
): Promise<void> {
  const body = payload.bytes;
  // The SDK escapes ids with encodeURIComponent plus !'()*; ids are base64, but be exact.
  const path = `${target.basePath}/@connections/${encodeId(connectionId)}`;
  const signed = await target.signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path,
      headers: {
        host: target.host,
        'content-type': 'application/octet-stream',
        'content-length': String(body.byteLength),
        // A 128 KB message to 10,000 recipients would otherwise be hashed 10,000 times.
        'x-amz-content-sha256': payload.sha256 ?? sha256Hex(body),
      },
      body,
    }),
  );
  if (limits.deadline?.aborted) {
    facts.deadline = true;
    facts.written = false;
    throw new ConnectionsApiError('AbortError', 'the deadline passed before the request was sent');
  }
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    /**
     * `complete`: the whole answer was read, so the socket is back in the agent's pool (maybe
     * already carrying another request) and must not be destroyed; anything else cuts the
     * request off and closes its socket.
     */
    const finish = (error?: Error, complete = false): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      limits.deadline?.removeEventListener('abort', onDeadline);
      if (!error) {
        resolve();
        return;
      }
      if (!complete) req.destroy();
      reject(error);
    };
    const onDeadline = (): void => {
      facts.deadline = true;
      finish(new ConnectionsApiError('AbortError', "the call's deadline passed"));
    };
    const req = target.request(
      {
        agent: target.agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path,
        headers: signed.headers,
      },
      (res) => readAnswer(res, finish),
    );
    req.once('socket', () => {
      if (settled) return;
      timer = setTimeout(() => {
        facts.timedOut = true;
        finish(new ConnectionsApiError('AbortError', `no answer within ${limits.timeoutMs} ms`));
      }, limits.timeoutMs);
    });
    req.once('finish', () => {
      facts.written = true;
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish(
        new ConnectionsApiError(error.name, error.message, { code: error.code, cause: error }),
      );
    });
    limits.deadline?.addEventListener('abort', onDeadline, { once: true });
    facts.written = false;
    req.end(body);
  });
}

function readAnswer(
  res: IncomingMessage,
  finish: (error?: Error, complete?: boolean) => void,
): void {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    res.resume();
    res.once('end', () => finish());
    res.once('error', (error) => finish(error));
    return;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  res.on('data', (chunk: Buffer) => {
    if (length < MAX_ERROR_BODY) chunks.push(chunk);
    length += chunk.length;
  });
  res.once('error', (error) => finish(error));
  res.once('end', () => {
    finish(answerError(status, res.headers, Buffer.concat(chunks).toString('utf8')), true);
  });
}

/** The error the SDK would throw for this answer: its name from `x-amzn-ErrorType`. */
function answerError(
  status: number,
  headers: IncomingMessage['headers'],
  text: string,
): ConnectionsApiError {
  const typeHeader = headers['x-amzn-errortype'];
  // `GoneException:http://internal.amazon.com/...`: the name is before the colon.
  const name =
    typeof typeHeader === 'string' && typeHeader.length > 0 ? typeHeader.split(':')[0] : 'Unknown';
  const requestId = headers['x-amzn-requestid'];
  return new ConnectionsApiError(name, messageOf(text) ?? `HTTP ${status}`, {
    statusCode: status,
    requestId: typeof requestId === 'string' ? requestId : undefined,
  });
}

function messageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; Message?: unknown } | null;
    const message = parsed?.message ?? parsed?.Message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

const EXTRA_ESCAPES = /[!'()*]/g;

function encodeId(connectionId: string): string {
  return encodeURIComponent(connectionId).replace(
    EXTRA_ESCAPES,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
