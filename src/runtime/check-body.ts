import { BadRequestError, PayloadTooLargeError } from '../errors/named-errors';
import type { WebSocketEvent } from '../events/websocket-event';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Inbound size and encoding, checked before anything parses the body. API Gateway refuses
 * oversize messages itself; a hand-made or local event still must not be parsed.
 */
export function checkBody(event: WebSocketEvent, maxMessageBytes: number): void {
  const body = event.body;
  if (typeof body !== 'string' || body.length === 0) return;
  if (event.isBase64Encoded === true) {
    // Base64 carries 3 bytes per 4 characters: measure before decoding a huge body.
    if (Math.floor((body.length * 3) / 4) > maxMessageBytes + 2) throw tooLarge(maxMessageBytes);
    const bytes = Buffer.from(body, 'base64');
    if (bytes.byteLength > maxMessageBytes) throw tooLarge(maxMessageBytes);
    try {
      strictUtf8.decode(bytes);
    } catch {
      throw new BadRequestError('the message body is not valid UTF-8');
    }
    return;
  }
  // A UTF-8 string is at most 3 bytes per UTF-16 unit; only measure when it could be over.
  if (body.length * 3 > maxMessageBytes && Buffer.byteLength(body, 'utf8') > maxMessageBytes) {
    throw tooLarge(maxMessageBytes);
  }
  // A lone surrogate cannot be encoded as UTF-8 (and would be mangled on the way out).
  if (!body.isWellFormed()) throw new BadRequestError('the message body is not valid UTF-8');
}

function tooLarge(maxMessageBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`message is over the ${maxMessageBytes}-byte limit`);
}
