import type { WebSocketContext } from '../context/websocket-context';

/** Calls the rest of the chain (later middleware, then the route) and resolves to its result. */
export type Next = () => Promise<unknown>;

/**
 * Function middleware: `(ctx, next) => ...`. Call `next()` at most once; return without calling it
 * to short-circuit (its return value becomes the answer).
 */
export type MiddlewareFunction = (ctx: WebSocketContext, next: Next) => unknown;

/** Object middleware: anything with `use(ctx, next)`. */
export interface MiddlewareObject {
  use(ctx: WebSocketContext, next: Next): unknown;
  /**
   * True for middleware that refuses events without a verified identity (JwtAuth). Bootstrap
   * warns when such middleware guards message routes that can never see one (no connection
   * store: only a Lambda authorizer on `$connect` could provide it).
   */
  readonly requiresIdentity?: boolean;
  /**
   * Called once by bootstrap with where the middleware is used (`Chat @UseMiddleware[0]`);
   * throws to refuse a misconfiguration there, naming the class and method.
   */
  checkAtBootstrap?(where: string): void;
}

/** Class middleware: constructed once (no arguments) at bootstrap. */
export type MiddlewareClass = new () => MiddlewareObject;

/** What `@UseMiddleware(...)` and the `middleware` bootstrap option accept. */
export type Middleware = MiddlewareFunction | MiddlewareClass | MiddlewareObject;
