import { keepShape } from '../engine/keep-shape';

/**
 * An explicit answer built with `ctx.status(code).json(value)` (Lift's `ctx.Status(401).JSON(...)`).
 * Returning it from a route sets the status code, headers and body together.
 */
export class WebSocketResponse {
  statusCode: number;
  readonly headers: Record<string, string> = {};
  body: string | undefined;

  constructor(statusCode: number) {
    this.statusCode = statusCode;
  }

  /** Sets a header on the answer (on `$connect`, it goes on the 101). */
  header(name: string, value: string): this {
    this.headers[name] = value;
    return this;
  }

  /** A JSON body. */
  json(value: unknown): this {
    this.body = value === undefined ? undefined : JSON.stringify(value);
    return this;
  }

  /** A text body, as is. */
  text(value: string): this {
    this.body = value;
    return this;
  }

  /** No body. */
  end(): this {
    this.body = undefined;
    return this;
  }
}

// A full GC would otherwise collect the response's map between events (see keepShape).
keepShape(new WebSocketResponse(200));
