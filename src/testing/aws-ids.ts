import { randomBytes } from 'node:crypto';

/**
 * Ids shaped like API Gateway's: 11 random bytes in base64, i.e. 15 characters and one '='
 * (`L0SM9cOFvHcCIhw=`). '+' and '/' are possible in principle but made alphanumeric here so a
 * test never depends on the luck of the draw; the recorder's tests cover them explicitly.
 * @internal
 */
export function newApiGatewayId(): string {
  return randomBytes(11).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * `requestContext.requestTime`, in API Gateway's CLF-like format: `26/Nov/2026:07:24:26 +0000`.
 * @internal
 */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}
