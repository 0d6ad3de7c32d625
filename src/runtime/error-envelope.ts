import { WsError } from '../errors/ws-error';
import type { WebSocketResult } from '../events/websocket-event';

/** The one JSON shape of every error lift-ws answers or sends. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
  requestId?: string;
  /** The correlation id of the request frame this refuses (`client.request`). */
  id?: string;
}

export interface MappedError {
  statusCode: number;
  envelope: ErrorEnvelope;
  /**
   * True for errors the client caused and was told about (logged as a refusal); false for
   * everything the client must not see the inside of (logged in full, at error).
   */
  expected: boolean;
}

const INTERNAL_CODE = 'INTERNAL_ERROR';
const INTERNAL_MESSAGE = 'Internal server error';

/**
 * Turns anything thrown into a status and an envelope. An exposed `WsError` keeps its status,
 * code, message and details. Anything else — an unknown error, or a `WsError` with
 * `expose: false` (an IAM 403 from `@connections`, a timeout, a missing store) — is answered
 * as a generic 500: its code and text describe internals, not the client's request.
 */
export function mapError(error: unknown, requestId: string | undefined): MappedError {
  if (error instanceof WsError && error.expose) {
    const envelope: ErrorEnvelope = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details !== undefined ? { details: error.details } : {}),
      },
      requestId,
    };
    return { statusCode: error.statusCode, envelope, expected: error.statusCode < 500 };
  }
  return {
    statusCode: 500,
    envelope: { error: { code: INTERNAL_CODE, message: INTERNAL_MESSAGE }, requestId },
    expected: false,
  };
}

export function errorResult(mapped: MappedError): WebSocketResult {
  return {
    statusCode: mapped.statusCode,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(mapped.envelope),
  };
}
