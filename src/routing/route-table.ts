import type { StandardSchemaV1 } from '@standard-schema/spec';
import { contextInternals, type WebSocketContext } from '../context/websocket-context';
import type { ComposedRoute } from '../middleware/compose';
import type { RouteSelectionExpression } from './route-selection-expression';

/** One route, ready to run: its middleware chain is composed around the method. */
export interface CompiledRoute {
  /** `Class.method`, or a built-in name, for logs and errors. */
  readonly name: string;
  readonly kind: 'connect' | 'disconnect' | 'message' | 'default' | 'builtin';
  readonly action?: string;
  /**
   * The route key this route answers as (`$connect`, `$disconnect`, `$default`, the action),
   * for metrics: a value from the route table, never one a client chose.
   */
  readonly label: string;
  readonly run: ComposedRoute;
  /** The Standard Schema its input is checked with, if any. */
  readonly schema?: StandardSchemaV1;
}

/**
 * The route table built once at bootstrap. Actions live in a `Map`, so a body saying
 * `{"action":"constructor"}` cannot reach Object.prototype; and the action read from a body is
 * a fresh string, which a property lookup would first have to intern (a string-table search on
 * every event) where a `Map` only hashes it.
 */
export class RouteTable {
  readonly #actions = new Map<string, CompiledRoute>();

  constructor(
    readonly connect: CompiledRoute,
    readonly disconnect: CompiledRoute,
    /** `@OnDefault`, or a built-in route answering 404 / 400. */
    readonly fallback: CompiledRoute,
    private readonly selection: RouteSelectionExpression,
    /**
     * `Class.method` of message routes behind middleware that needs a verified identity
     * (JwtAuth), for bootstrap's warning when nothing could ever provide one.
     */
    readonly guardedMessageRoutes: readonly string[] = [],
  ) {}

  addAction(action: string, route: CompiledRoute): void {
    this.#actions.set(action, route);
  }

  hasAction(action: string): boolean {
    return this.#actions.has(action);
  }

  /** The message routes by action, for bootstrap's contract check. */
  actionRoutes(): Array<{ action: string; route: CompiledRoute }> {
    return [...this.#actions].map(([action, route]) => ({ action, route }));
  }

  /** Every label a selected route can answer as: the only values a metrics dimension takes. */
  routeLabels(): string[] {
    const labels = new Set([this.connect.label, this.disconnect.label, this.fallback.label]);
    for (const route of this.#actions.values()) labels.add(route.label);
    return [...labels];
  }

  /**
   * Picks the route for an event as API Gateway does. `$connect` / `$disconnect` by route key.
   * A custom route key is the route API Gateway already selected: it goes to its
   * `@OnMessage(routeKey)`, else to `@OnDefault`, never re-dispatched by the body. Only
   * `$default` reads the action from the body with the route selection expression.
   */
  select(ctx: WebSocketContext): CompiledRoute {
    const routeKey = ctx.routeKey;
    if (routeKey === '$connect') return this.#take(ctx, undefined, this.connect);
    if (routeKey === '$disconnect') return this.#take(ctx, undefined, this.disconnect);
    if (routeKey !== '$default') {
      return this.#take(ctx, routeKey, this.#actions.get(routeKey) ?? this.fallback);
    }
    const action = this.selection.evaluate(contextInternals.tryBody(ctx));
    const route =
      action === undefined || action.startsWith('$') ? undefined : this.#actions.get(action);
    return this.#take(ctx, action, route ?? this.fallback);
  }

  #take(ctx: WebSocketContext, action: string | undefined, route: CompiledRoute): CompiledRoute {
    contextInternals.route(ctx, action, route.label);
    return route;
  }
}
