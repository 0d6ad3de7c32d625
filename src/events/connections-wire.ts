import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where a request aimed at `@connections` points, before its stage is checked. */
export interface ConnectionsTarget {
  /** The path's first segment; undefined for an endpoint without a stage. */
  stage: string | undefined;
  /** The connection id, decoded; undefined when its percent-encoding is invalid. */
  connectionId: string | undefined;
  /** The id as it came in the path, still percent-encoded (for logs). */
  encodedConnectionId: string;
}

/** A request body read with the `@connections` size limit applied. */
export type ConnectionsBody = { tooLarge: false; data: Buffer } | { tooLarge: true; size: number };

/** How the API answers one request: its status, and for an error its type and message. */
export interface ConnectionsAnswer {
  status: number;
  errorType?: ConnectionsErrorType;
  message?: string;
}

/** What GetConnection answers. */
export interface ConnectionInfoFacts {
  connectedAt: number | Date;
  lastActiveAt: number | Date;
  identity: { sourceIp: string; userAgent?: string };
}

/** The error types API Gateway's Management API answers with, by HTTP status. */
export type ConnectionsErrorType =
  | 'BadRequestException'
  | 'ForbiddenException'
  | 'GoneException'
  | 'PayloadTooLargeException'
  | 'LimitExceededException';

// `/{stage}/@connections/{id}`. Repeated slashes are collapsed because the SDK doubles the slash
// for an endpoint ending in '/'; the stage is optional so an endpoint without one still works.
const PATH = /^(?:\/([^/]+))?\/@connections\/([^/]+)\/?$/;

/**
 * The `@connections` wire format (the API Gateway Management API over HTTP), shared by the local
 * gateway's real twin and the test kit's `ConnectionsRecorder` so both answer exactly as AWS
 * does: the path, the JSON error answers with `x-amzn-ErrorType` (without which the SDK names
 * every error `Unknown`), GetConnection's ISO-8601 dates and the payload size check.
 */
export const connectionsWire = {
  /** Parses `/{stage}/@connections/{encodeURIComponent(id)}` (query and hash ignored). */
  parsePath(url: string | undefined): ConnectionsTarget | undefined {
    const raw = url ?? '/';
    const end = raw.search(/[?#]/);
    const pathname = (end === -1 ? raw : raw.slice(0, end)).replace(/\/{2,}/g, '/');
    const match = PATH.exec(pathname);
    if (!match) return undefined;
    let connectionId: string | undefined;
    try {
      connectionId = decodeURIComponent(match[2]);
    } catch {
      connectionId = undefined;
    }
    return { stage: match[1], connectionId, encodedConnectionId: match[2] };
  },

  /**
   * Reads a body, keeping at most `maxBytes`: a larger one is drained (so the 413 can still be
   * written on the same connection) but never buffered.
   */
  readBody(req: IncomingMessage, maxBytes: number): Promise<ConnectionsBody> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
      });
      req.once('end', () =>
        resolve(
          size > maxBytes
            ? { tooLarge: true, size }
            : { tooLarge: false, data: Buffer.concat(chunks) },
        ),
      );
      req.once('error', reject);
    });
  },

  /** The GetConnection answer body: dates as ISO-8601 strings, keys in AWS's order. */
  connectionInfo(facts: ConnectionInfoFacts): {
    connectedAt: string;
    identity: { sourceIp: string; userAgent?: string };
    lastActiveAt: string;
  } {
    return {
      connectedAt: new Date(facts.connectedAt).toISOString(),
      identity: facts.identity,
      lastActiveAt: new Date(facts.lastActiveAt).toISOString(),
    };
  },

  /** A JSON answer with AWS's headers; returns the status, for logs and records. */
  sendJson(res: ServerResponse, status: number, value: unknown, requestId?: string): number {
    return send(res, status, JSON.stringify(value), undefined, requestId);
  },

  /**
   * An error answer, `{"message": ...}`. `errorType` goes in `x-amzn-ErrorType`; leave it out
   * only to reproduce an answer the SDK cannot name (a 500, a bare 410).
   */
  sendError(
    res: ServerResponse,
    status: number,
    errorType: ConnectionsErrorType | (string & {}) | undefined,
    message: string,
    requestId?: string,
  ): number {
    return send(res, status, JSON.stringify({ message }), errorType, requestId);
  },

  /** An answer decided before it is written: an error with its type, else an empty 200. */
  sendAnswer(res: ServerResponse, answer: ConnectionsAnswer, requestId?: string): number {
    if (answer.errorType === undefined) return connectionsWire.sendEmpty(res, 200, requestId);
    return connectionsWire.sendError(
      res,
      answer.status,
      answer.errorType,
      answer.message ?? '',
      requestId,
    );
  },

  /** An answer without a body: PostToConnection's 200, DeleteConnection's 204. */
  sendEmpty(res: ServerResponse, status: 200 | 204, requestId?: string): number {
    const headers: Record<string, string> = { 'x-amzn-RequestId': requestId ?? randomUUID() };
    if (status !== 204) headers['Content-Length'] = '0';
    res.writeHead(status, headers).end();
    return status;
  },
};

function send(
  res: ServerResponse,
  status: number,
  body: string,
  errorType: string | undefined,
  requestId: string | undefined,
): number {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-amzn-RequestId': requestId ?? randomUUID(),
  };
  if (errorType) headers['x-amzn-ErrorType'] = errorType;
  res.writeHead(status, headers).end(body);
  return status;
}
