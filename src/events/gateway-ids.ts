import { randomBytes } from 'node:crypto';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// The local gateway takes two ids per message: random bytes drawn for 256 ids at a time (as
// Node's randomUUID does) instead of a call into the CSPRNG for each.
const ID_BYTES = 11;
const IDS_PER_DRAW = 256;
let idBytes = Buffer.alloc(0);
let idOffset = 0;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * Ids and timestamps shaped like API Gateway's: the local gateway hands them out and the test
 * kit's event builders use them, so events from both look alike.
 *
 * @example
 * messageEvent({ connectionId: gatewayIds.newId(), body: { action: 'join' } });
 */
export const gatewayIds = {
  /**
   * connectionId, requestId, messageId: 11 random bytes in base64, 15 characters and one '='
   * (`L0SM9cOFvHcCIhw=`). '+' and '/' are mapped to letters so ids never depend on URL encoding
   * luck; the `@connections` API still decodes percent-encoded ids.
   */
  newId(): string {
    if (idOffset + ID_BYTES > idBytes.length) {
      idBytes = randomBytes(ID_BYTES * IDS_PER_DRAW);
      idOffset = 0;
    }
    const id = idBytes.toString('base64', idOffset, (idOffset += ID_BYTES));
    return id.replace(/\+/g, 'A').replace(/\//g, 'B');
  },

  /** `apiId`: 10 lowercase letters and digits, like `abcdef1234`. */
  newApiId(): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    return Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join('');
  },

  /** X-Amzn-Trace-Id, as API Gateway adds it to `$connect` headers. */
  newTraceId(epochMs: number): string {
    const seconds = Math.floor(epochMs / 1000).toString(16);
    return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
  },

  /** `requestContext.requestTime` in API Gateway's CLF format: `26/Nov/2026:07:24:26 +0000`. */
  requestTime(epochMs: number): string {
    const d = new Date(epochMs);
    return (
      `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
    );
  },
};
