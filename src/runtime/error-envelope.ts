import { WsError } from '../errors/ws-error';
import type { WebSocketResult } from '../events/websocket-event';

/** The one JSON shape of every error lift-ws answers or sends. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown };
  requestId?: string;
}

export interface MappedError {
  statusCode: number;
  envelope: ErrorEnvelope;
  /** True for errors the client caused or was told about; false for bugs (logged in full). */
  expected: boolean;
}

const INTERNAL_MESSAGE = 'Internal server error';

/**
 * Turns anything thrown into a status and an envelope. A `WsError` keeps its status and code
 * (its message only when `expose`); anything else is a 500 with a generic message, since an
 * unknown error's text can carry internals.
 */
export function mapError(error: unknown, requestId: string | undefined): MappedError {
  if (error instanceof WsError) {
    const envelope: ErrorEnvelope = {
      error: {
        code: error.code,
        message: error.expose ? error.message : INTERNAL_MESSAGE,
        ...(error.expose && error.details !== undefined ? { details: error.details } : {}),
      },
      requestId,
    };
    return { statusCode: error.statusCode, envelope, expected: error.statusCode < 500 };
  }
  return {
    statusCode: 500,
    envelope: { error: { code: 'INTERNAL_ERROR', message: INTERNAL_MESSAGE }, requestId },
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
