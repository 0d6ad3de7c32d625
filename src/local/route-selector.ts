import { RouteSelectionExpression } from '../routing/route-selection-expression';

/** What the gateway does with one incoming message. */
export type RouteDecision = { routeKey: string } | { forbidden: true };

/**
 * API Gateway's route selection for a WebSocket API: evaluate the API's route selection
 * expression against the JSON message, then pick the matching route key, else `$default`, else
 * refuse (`Forbidden`).
 */
export class RouteSelector {
  private readonly expression: RouteSelectionExpression;
  private readonly routes: ReadonlySet<string>;

  /**
   * @param expression the API's route selection expression, e.g. `$request.body.action` or
   *   `${request.body.service}/${request.body.action}`.
   * @param routes the message route keys the API has.
   */
  constructor(expression: string, routes: readonly string[]) {
    // The framework's actionField also takes a bare path (`action`); an API's expression
    // cannot: API Gateway would read it as the literal route key "action".
    if (typeof expression === 'string' && !expression.includes('$')) {
      throw new TypeError(
        `Unsupported route selection expression ${JSON.stringify(expression)}: use ` +
          '$request.body.<field>, e.g. $request.body.action',
      );
    }
    this.expression = RouteSelectionExpression.parse(expression);
    this.routes = new Set(routes);
  }

  /** The route key the expression selects, or undefined (not JSON, missing, no string form). */
  select(body: string): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      // API Gateway sends messages that are not JSON to $default.
      return undefined;
    }
    return this.expression.evaluate(value);
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
