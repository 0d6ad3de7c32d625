import {
  BadRequestError,
  ForbiddenError,
  JwtAuth,
  NotFoundError,
  OnConnect,
  OnDefault,
  OnDisconnect,
  OnMessage,
  RateLimit,
  UseMiddleware,
  WebSocketContext,
  WebSocketController,
} from 'lift-ws';
import { chatContract } from './chat-contract';

const { actions, events } = chatContract;

/** Room names double as store keys and page labels: short and URL-safe. */
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Characters per chat message; far below API Gateway's 128 KB, and readable on one screen. */
const MAX_TEXT_LENGTH = 2000;

/** The contract checked that it is a string; the name rules give the page a readable reason. */
function checkRoom(room: string): string {
  if (!ROOM_NAME.test(room)) {
    throw new BadRequestError('room must be 1 to 64 letters, digits, "-" or "_"', {
      field: 'room',
    });
  }
  return room;
}

function checkText(text: string): string {
  if (text.trim().length === 0) {
    throw new BadRequestError('text must be a non-empty string', { field: 'text' });
  }
  if (text.length > MAX_TEXT_LENGTH) {
    throw new BadRequestError(`text is longer than ${MAX_TEXT_LENGTH} characters`, {
      field: 'text',
      maxLength: MAX_TEXT_LENGTH,
    });
  }
  return text;
}

/** `ctx.userId` is set by JwtAuth (from `sub`); the guard refuses connections without one. */
function userOf(ctx: WebSocketContext): string {
  return ctx.userId ?? 'anonymous';
}

/** Only members speak in (or announce leaving) a room. */
async function requireMember(ctx: WebSocketContext, room: string): Promise<void> {
  const rooms = (await ctx.connectionStore?.roomsOf(ctx.connectionId)) ?? [];
  if (!rooms.includes(room)) {
    throw new ForbiddenError(`you are not in the room "${room}": join it first`, { room });
  }
}

/**
 * The chat: rooms of connections, kept in the bootstrap's connection store (memory locally,
 * DynamoDB in AWS), so any Lambda container can fan a message out to every member.
 *
 * Every route is behind JwtAuth: `$connect` verifies the token; later events get the claims the
 * runtime saved with the connection (or the Lambda authorizer's context in AWS).
 */
@WebSocketController()
@UseMiddleware(JwtAuth)
export class ChatController {
  @OnConnect()
  connect(ctx: WebSocketContext) {
    ctx.logger.info('chat user connected', { userId: ctx.userId, tenantId: ctx.tenantId });
    // API Gateway drops a $connect body; the page learns it is in from the open socket.
    return { message: `Welcome, ${userOf(ctx)}!` };
  }

  @OnDisconnect()
  async disconnect(ctx: WebSocketContext) {
    // $disconnect is best effort in AWS: members may also learn of a departure only when a
    // later fan-out finds the connection gone.
    const store = ctx.connectionStore;
    if (!store) return;
    const user = userOf(ctx);
    const at = new Date().toISOString();
    for (const room of await store.roomsOf(ctx.connectionId)) {
      await ctx.emitToRoom(room, events.left, { room, user, at }, { exceptSelf: true });
    }
  }

  @OnMessage(actions.join)
  async join(ctx: WebSocketContext) {
    const room = checkRoom(ctx.body(actions.join).room);
    await ctx.join(room);
    const at = new Date().toISOString();
    await ctx.emitToRoom(room, events.joined, { room, user: userOf(ctx), at });
  }

  @OnMessage(actions.leave)
  async leave(ctx: WebSocketContext) {
    const room = checkRoom(ctx.body(actions.leave).room);
    await requireMember(ctx, room);
    // Told before leaving, so the leaver's page gets the confirmation with everyone else.
    const at = new Date().toISOString();
    await ctx.emitToRoom(room, events.left, { room, user: userOf(ctx), at });
    await ctx.leave(room);
  }

  /** Answers a `client.request('sendMessage', ...)` with the time and the members reached. */
  @OnMessage(actions.sendMessage)
  @UseMiddleware(RateLimit({ perConnection: '10/s' }))
  async sendMessage(ctx: WebSocketContext) {
    const body = ctx.body(actions.sendMessage);
    const room = checkRoom(body.room);
    const text = checkText(body.text);
    await requireMember(ctx, room);
    const at = new Date().toISOString();
    const result = await ctx.emitToRoom(room, events.message, {
      room,
      from: userOf(ctx),
      text,
      at,
    });
    if (result.failed.length > 0) {
      ctx.logger.warn('some members did not get the message', {
        room,
        failed: result.failed.length,
      });
    }
    return { room, at, delivered: result.sent };
  }

  @OnMessage(actions.whoami)
  async whoami(ctx: WebSocketContext) {
    await ctx.emit(events.whoami, {
      userId: ctx.userId,
      tenantId: ctx.tenantId,
      connectionId: ctx.connectionId,
    });
  }

  @OnDefault()
  unknown(ctx: WebSocketContext): never {
    // The runtime has already read the body's action (undefined when the body is not JSON).
    const { action } = ctx;
    throw new NotFoundError(
      action === undefined
        ? 'send JSON with an action: join, leave, sendMessage, whoami or ping'
        : `unknown action "${action}"; try join, leave, sendMessage, whoami or ping`,
      { action: action ?? null },
    );
  }
}
