/** What the gateway does with one incoming message. */
export type RouteDecision = { routeKey: string } | { forbidden: true };

/**
 * API Gateway's route selection for a WebSocket API: evaluate the route selection expression
 * (`$request.body.action`, or a dotted path like `$request.body.meta.type`) against the JSON
 * message, then pick the matching route key, else `$default`, else refuse (`Forbidden`).
 */
export class RouteSelector {
  private readonly path: readonly string[];
  private readonly routes: ReadonlySet<string>;

  /**
   * @param expression `$request.body.<path>` or `${request.body.<path>}`.
   * @param routes the message route keys the API has.
   */
  constructor(expression: string, routes: readonly string[]) {
    const match = /^\$(?:request\.body\.(.+)|\{request\.body\.(.+)\})$/.exec(expression.trim());
    const path = (match?.[1] ?? match?.[2])?.split('.');
    if (!path || path.some((segment) => segment === '')) {
      throw new TypeError(
        `Unsupported route selection expression "${expression}": use $request.body.<field>, ` +
          'e.g. $request.body.action',
      );
    }
    this.path = path;
    this.routes = new Set(routes);
  }

  /** The value the expression selects, or undefined (not JSON, missing, not a scalar). */
  select(body: string): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      // API Gateway sends messages that are not JSON to $default.
      return undefined;
    }
    for (const key of this.path) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      if (!Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return undefined;
  }

  decide(body: string): RouteDecision {
    const selected = this.select(body);
    // $connect/$disconnect are not message routes: a client cannot select them.
    if (selected !== undefined && !selected.startsWith('$') && this.routes.has(selected)) {
      return { routeKey: selected };
    }
    if (this.routes.has('$default')) return { routeKey: '$default' };
    return { forbidden: true };
  }
}
