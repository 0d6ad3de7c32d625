import {
  bootstrap,
  MemoryConnectionStore,
  OnMessage,
  WebSocketController,
  WebSocketContext,
  type ConnectionStore,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

/** Room history as a user sees it on the wire: the frames posted through the real SDK client. */
const A = Buffer.from('Member000001').toString('base64');
const B = Buffer.from('Member000002').toString('base64');

@WebSocketController()
class RoomController {
  @OnMessage('join') async join(ctx: WebSocketContext) {
    await ctx.join(ctx.body<{ room: string }>().room);
  }

  @OnMessage('say') async say(ctx: WebSocketContext) {
    const { room, data, exceptSelf } = ctx.body<{
      room: string;
      data: unknown;
      exceptSelf?: boolean;
    }>();
    await ctx.broadcastToRoom(room, data as object, { exceptSelf });
  }

  @OnMessage('sayText') async sayText(ctx: WebSocketContext) {
    const { room, text } = ctx.body<{ room: string; text: string }>();
    await ctx.broadcastToRoom(room, text);
  }

  @OnMessage('sayBytes') async sayBytes(ctx: WebSocketContext) {
    await ctx.broadcastToRoom(ctx.body<{ room: string }>().room, new Uint8Array([1, 2, 255]));
  }
}

describe('room history (bootstrap rooms.history)', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;
  let store: MemoryConnectionStore;

  beforeEach(async () => {
    store = new MemoryConnectionStore();
    await store.save({ connectionId: A, rooms: ['r'] });
    await store.save({ connectionId: B });
  });

  function handler(rooms: Parameters<typeof bootstrap>[1] = { rooms: { history: true } }) {
    return bootstrap([RoomController], {
      managementEndpoint: fixture.endpoint,
      logger: captureLogger().logger,
      connections: store,
      ...rooms,
    });
  }

  const send = (
    lift: ReturnType<typeof handler>,
    body: Record<string, unknown>,
    connectionId = A,
  ) => lift(messageEvent({ body, connectionId }), lambdaContext());
  const textsTo = (connectionId: string) => recorder.postsTo(connectionId).map((post) => post.text);

  it('frames carry room and seq: JSON objects beside their fields, anything else wrapped', async () => {
    const lift = handler();
    await send(lift, { action: 'say', room: 'r', data: { type: 'said', n: 1 } });
    await send(lift, { action: 'say', room: 'r', data: { type: 'said', room: 'r', n: 2 } });
    await send(lift, { action: 'sayText', room: 'r', text: 'plain words' });
    await send(lift, { action: 'sayText', room: 'r', text: '{"type":"said","n":4}' });
    await send(lift, { action: 'sayBytes', room: 'r' });
    expect(textsTo(A)).toEqual([
      '{"type":"said","n":1,"room":"r","seq":1}',
      '{"type":"said","room":"r","n":2,"seq":2}',
      '{"type":"room-message","room":"r","seq":3,"text":"plain words"}',
      '{"type":"said","n":4,"room":"r","seq":4}',
      '{"type":"room-message","room":"r","seq":5,"base64":"AQL/"}',
    ]);
  });

  it('leaves frames as they were without the option', async () => {
    const lift = handler({});
    await send(lift, { action: 'say', room: 'r', data: { type: 'said', n: 1 } });
    expect(textsTo(A)).toEqual(['{"type":"said","n":1}']);
    await send(lift, { action: 'join', room: 'r', resume: { afterSeq: 0 } }, B);
    expect(textsTo(B)).toEqual([]);
  });

  it('a fresh join gets room-sync with the latest seq; a resume gets the rest in one post', async () => {
    const lift = handler();
    for (let n = 1; n <= 3; n++) {
      await send(lift, { action: 'say', room: 'r', data: { type: 'said', n } });
    }
    await send(lift, { action: 'join', room: 'r' }, B);
    expect(textsTo(B)).toEqual(['{"type":"room-sync","room":"r","seq":3}']);
    recorder.reset();
    await send(lift, { action: 'join', room: 'r', resume: { afterSeq: 1 } }, B);
    expect(textsTo(B)).toEqual([
      '{"type":"room-replay","room":"r","frames":[' +
        '{"type":"said","n":2,"room":"r","seq":2},' +
        '{"type":"said","n":3,"room":"r","seq":3},' +
        '{"type":"room-sync","room":"r","seq":3}]}',
    ]);
  });

  it('reports what the history no longer keeps as resume-gap, before the rest', async () => {
    const lift = handler({ rooms: { history: { maxMessages: 2 } } });
    for (let n = 1; n <= 5; n++) {
      await send(lift, { action: 'say', room: 'r', data: { type: 'said', n } });
    }
    await send(lift, { action: 'join', room: 'r', resume: { room: 'r', afterSeq: 1 } }, B);
    const [replay] = textsTo(B);
    expect(JSON.parse(replay)).toEqual({
      type: 'room-replay',
      room: 'r',
      frames: [
        { type: 'resume-gap', room: 'r', from: 2, to: 3 },
        { type: 'said', n: 4, room: 'r', seq: 4 },
        { type: 'said', n: 5, room: 'r', seq: 5 },
        { type: 'room-sync', room: 'r', seq: 5 },
      ],
    });
  });

  it('a resume from further than the room ever got (a store that lost it) starts the room again', async () => {
    const lift = handler();
    await send(lift, { action: 'say', room: 'r', data: { type: 'said', n: 1 } });
    await send(lift, { action: 'join', room: 'r', resume: { afterSeq: 40 } }, B);
    expect(JSON.parse(textsTo(B)[0])).toEqual({
      type: 'room-replay',
      room: 'r',
      frames: [
        { type: 'room-reset', room: 'r' },
        { type: 'said', n: 1, room: 'r', seq: 1 },
        { type: 'room-sync', room: 'r', seq: 1 },
      ],
    });
  });

  it('tells an exceptSelf sender its seq was not for it, and nothing else', async () => {
    const lift = handler();
    await store.join(B, 'r');
    await send(lift, { action: 'say', room: 'r', data: { type: 'said', n: 1 }, exceptSelf: true });
    expect(textsTo(B)).toEqual(['{"type":"said","n":1,"room":"r","seq":1}']);
    expect(textsTo(A)).toEqual(['{"type":"room-skip","room":"r","seq":1}']);
  });

  it.each([
    [{ afterSeq: -1 }],
    [{ afterSeq: 1.5 }],
    [{ afterSeq: '3' }],
    [{ room: 7, afterSeq: 1 }],
    ['from 3'],
  ])('refuses a malformed resume (%j) with 400 and joins nothing', async (resume) => {
    const lift = handler();
    const result = await send(lift, { action: 'join', room: 'r', resume }, B);
    expect(result.statusCode).toBe(400);
    expect(await store.roomsOf(B)).toEqual([]);
    const posted = textsTo(B).map((text) => JSON.parse(text) as { error?: { code?: string } });
    expect(posted.map((frame) => frame.error?.code)).toEqual(['BAD_REQUEST']);
  });

  it('a payload that sets seq, or names another room, is a server bug: 500, and takes no seq', async () => {
    const lift = handler();
    const own = await send(lift, { action: 'say', room: 'r', data: { seq: 9 } });
    const other = await send(lift, { action: 'say', room: 'r', data: { room: 'x' } });
    expect([own.statusCode, other.statusCode]).toEqual([500, 500]);
    // Refused before a seq was allocated: the room's order has no hole.
    expect(
      (await store.roomHistory('r', undefined, { ttlSeconds: 60, maxMessages: 1 })).latestSeq,
    ).toBe(0);
    expect(recorder.postsTo(A).every((post) => post.text.includes('"error"'))).toBe(true);
  });

  it('is checked at bootstrap: a store without history, or bad sizes, fail there', () => {
    const noHistory = {
      ...Object.fromEntries(
        ['save', 'get', 'join', 'roomMembers'].map((name) => [name, () => undefined]),
      ),
    } as unknown as ConnectionStore;
    expect(() => handler({ rooms: { history: true }, connections: noHistory })).toThrow(
      /rooms\.history needs a connection store with nextRoomSeq, putRoomMessage, roomHistory/,
    );
    expect(() =>
      bootstrap([RoomController], { rooms: { history: true }, logger: captureLogger().logger }),
    ).toThrow(/rooms\.history needs a connection store/);
    expect(() => handler({ rooms: { history: { maxMessages: 0 } } })).toThrow(
      /rooms\.history\.maxMessages must be a positive integer/,
    );
    expect(() => handler({ rooms: { history: { ttlSeconds: 1.5 } } })).toThrow(
      /rooms\.history\.ttlSeconds/,
    );
  });
});
