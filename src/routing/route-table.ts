import type { WebSocketContext } from '../context/websocket-context';
import type { ComposedRoute } from '../runtime/compose';
import { readPath } from './action-path';

/** One route, ready to run: its middleware chain is composed around the method. */
export interface CompiledRoute {
  /** `Class.method`, or a built-in name, for logs and errors. */
  readonly name: string;
  readonly kind: 'connect' | 'disconnect' | 'message' | 'default' | 'builtin';
  readonly action?: string;
  /** The route key this route answers as (`$connect`, `$default`, the action), for metrics. */
  readonly label: string;
  readonly run: ComposedRoute;
}

/**
 * The route table built once at bootstrap. Actions live in a null-prototype map so that a body
 * saying `{"action":"constructor"}` cannot reach Object.prototype.
 */
export class RouteTable {
  private readonly actions: Record<string, CompiledRoute> = Object.create(null) as Record<
    string,
    CompiledRoute
  >;

  constructor(
    readonly connect: CompiledRoute,
    readonly disconnect: CompiledRoute,
    /** `@OnDefault`, or a built-in route answering 404 / 400. */
    readonly fallback: CompiledRoute,
    private readonly actionPath: readonly string[],
  ) {}

  addAction(action: string, route: CompiledRoute): void {
    this.actions[action] = route;
  }

  hasAction(action: string): boolean {
    return this.actions[action] !== undefined;
  }

  /** Action names, for logs and introspection. */
  actionNames(): string[] {
    return Object.keys(this.actions);
  }

  /**
   * Picks the route for an event. `$connect` / `$disconnect` by route key; a custom route key with
   * its own `@OnMessage` goes there; otherwise the action is read from the JSON body (as API
   * Gateway's `$request.body.action` would) and an unmatched message goes to the fallback.
   */
  select(ctx: WebSocketContext): CompiledRoute {
    const routeKey = ctx.routeKey;
    if (routeKey === '$connect') return this.connect;
    if (routeKey === '$disconnect') return this.disconnect;
    if (routeKey !== '$default') {
      const direct = this.actions[routeKey];
      if (direct) {
        ctx.action = routeKey;
        return direct;
      }
    }
    const action = readPath(ctx.tryBody(), this.actionPath);
    if (typeof action === 'string') {
      ctx.action = action;
      const route = this.actions[action];
      if (route) return route;
    }
    return this.fallback;
  }
}
