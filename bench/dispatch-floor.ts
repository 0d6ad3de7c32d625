import type { WebSocketEvent } from 'lift-ws';

/**
 * The floor of goal 1: the least code that does what the contract asks of an event on the
 * measured path, written as one function with everything known in advance, as no framework
 * can be (a framework calls middleware and routes it only meets at bootstrap, through arrays
 * and tables). It checks the event as lift-ws's flat check does, makes a context object, checks
 * the body's size and encoding, selects the route (body action on `$default`, else the route
 * key), runs two pass-through layers whose `next()` returns a promise (the documented type),
 * runs the route, and maps its value to the result.
 *
 * What it leaves out, and lift-ws does: a second `next()` refused, a thenable route, headers
 * and `ctx.status()`, request-frame replies, connection tracking, the error envelope, the
 * access log and metrics switches. So lift-ws cannot reach it; the distance between the two is
 * the framework's own cost, the distance from it to the hand-written switch is the contract's.
 */

type Result = { statusCode: number; body?: string };
type Next = () => Promise<unknown>;

interface FloorContext {
  readonly event: WebSocketEvent;
  readonly connectionId: string;
  readonly routeKey: string;
  readonly eventType: string;
  body: unknown;
  action: string | undefined;
  userId: string | undefined;
}

const MAX_MESSAGE_BYTES = 128 * 1024;

function isBoundedText(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length > 0 && value.length <= 128 && value.isWellFormed()
  );
}

const global = (_ctx: FloorContext, next: Next): Promise<unknown> => next();
const classLayer = (_ctx: FloorContext, next: Next): Promise<unknown> => next();
const sendMessage = (ctx: FloorContext) => ({ length: (ctx.body as { text: string }).text.length });
const connect = (): undefined => undefined;
const routes = new Map<string, (ctx: FloorContext) => unknown>([['sendMessage', sendMessage]]);

const refused = (statusCode: number): Promise<Result> => Promise.resolve({ statusCode });

export function floorHandler(input: WebSocketEvent): Promise<Result> {
  const rc = input.requestContext as WebSocketEvent['requestContext'] | null | undefined;
  if (typeof rc !== 'object' || rc === null) return refused(400);
  const routeKey = rc.routeKey;
  if (!(
    isBoundedText(routeKey) &&
    isBoundedText(rc.connectionId) &&
    rc.eventType ===
      (routeKey === '$connect'
        ? 'CONNECT'
        : routeKey === '$disconnect'
          ? 'DISCONNECT'
          : 'MESSAGE') &&
    typeof rc.requestId === 'string' &&
    typeof rc.stage === 'string' &&
    typeof rc.domainName === 'string' &&
    typeof rc.apiId === 'string' &&
    (input.body === undefined || input.body === null || typeof input.body === 'string')
  )) {
    return refused(400);
  }
  const ctx: FloorContext = {
    event: input,
    connectionId: rc.connectionId,
    routeKey,
    eventType: rc.eventType,
    body: undefined,
    action: undefined,
    userId: undefined,
  };
  let route: ((ctx: FloorContext) => unknown) | undefined;
  if (routeKey === '$connect') route = connect;
  else {
    const raw = input.body ?? '';
    if (raw.length * 3 > MAX_MESSAGE_BYTES || !raw.isWellFormed()) return refused(400);
    try {
      ctx.body = JSON.parse(raw) as unknown;
    } catch {
      return refused(400);
    }
    const action =
      routeKey === '$default' ? (ctx.body as { action?: unknown } | null)?.action : routeKey;
    ctx.action = typeof action === 'string' ? action : undefined;
    route = ctx.action === undefined ? undefined : routes.get(ctx.action);
    if (route === undefined) return refused(404);
  }
  const answer = route;
  let value: unknown;
  void global(ctx, () => classLayer(ctx, () => Promise.resolve((value = answer(ctx)))));
  return Promise.resolve(
    value === undefined ? { statusCode: 200 } : { statusCode: 200, body: JSON.stringify(value) },
  );
}
