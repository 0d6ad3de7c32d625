import {
  bootstrap,
  createJwtAuthorizer,
  JwtAuth,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  type ConnectionRecord,
  type NewConnection,
  type StoreCallOptions,
  type WebSocketContext,
} from 'lift-ws';
import {
  authorizerEvent,
  connectEvent,
  lambdaContext,
  messageEvent,
  disconnectEvent,
} from 'lift-ws/testing';
import { collect } from '../support/collect';
import { SECRET, deliveredContext, hsToken } from '../support/jwt-fixtures';
import { recordingLogger } from '../support/recording-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

/** Issue 13, connection tracking: each scenario as it was reproduced. */
describe('connection tracking', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;
  const A = 'QUFBQUFBQUFBQUE=';
  const B = 'QkJCQkJCQkJCQkI=';

  it('a fan-out does not delete a connection that is still opening (410 within the grace period)', async () => {
    const store = new MemoryConnectionStore();
    @WebSocketController()
    @UseMiddleware(JwtAuth.with({ secret: SECRET }))
    class Chat {
      @OnConnect() async connect(ctx: WebSocketContext) {
        await ctx.join('lobby');
      }

      @OnMessage('say') async say(ctx: WebSocketContext) {
        return ctx.broadcastToRoom('lobby', { from: ctx.userId });
      }

      @OnMessage('whisper') async whisper(ctx: WebSocketContext) {
        return ctx.sendToUser('user-b', { psst: true });
      }
    }
    const handler = bootstrap([Chat], {
      connections: store,
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
    });
    // A is an old connection; B's $connect has been accepted and saved, its handshake not done.
    await store.save({
      connectionId: A,
      userId: 'user-a',
      claims: { sub: 'user-a', exp: Math.floor(Date.now() / 1000) + 300 },
      connectedAt: new Date(Date.now() - 60_000).toISOString(),
      rooms: ['lobby'],
    });
    const connectB = connectEvent({
      connectionId: B,
      query: { Authorization: hsToken({ sub: 'user-b' }) },
    });
    expect((await handler(connectB, lambdaContext())).statusCode).toBe(200);
    recorder.script(B, 'gone');

    const said = await handler(
      messageEvent({ connectionId: A, body: { action: 'say' } }),
      lambdaContext(),
    );
    expect(JSON.parse(said.body!)).toMatchObject({ gone: [B] });
    // Still tracked, with its claims and its room.
    expect(await store.get(B)).toMatchObject({ userId: 'user-b' });
    expect(await collect(store.roomMembers('lobby'))).toEqual(expect.arrayContaining([A, B]));

    // Once open, B is reached by user and by its own messages, which JwtAuth accepts.
    recorder.script(B, 'ok');
    const whispered = await handler(
      messageEvent({ connectionId: A, body: { action: 'whisper' } }),
      lambdaContext(),
    );
    expect(JSON.parse(whispered.body!)).toMatchObject({ sent: 1 });
    const ownMessage = await handler(
      messageEvent({ connectionId: B, body: { action: 'say' } }),
      lambdaContext(),
    );
    expect(ownMessage.statusCode).toBe(200);
  });

  it("a Lambda authorizer's identity is saved at $connect (no JwtAuth on the route)", async () => {
    const store = new MemoryConnectionStore();
    @WebSocketController()
    class Open {
      @OnConnect() connect() {}
    }
    const authorize = createJwtAuthorizer({ secret: SECRET });
    const answer = await authorize(
      authorizerEvent({ query: { Authorization: hsToken({ sub: 'u1' }) } }),
      lambdaContext(),
    );
    const handler = bootstrap([Open], { connections: store, logger: recordingLogger() });
    const event = connectEvent({ connectionId: A, authorizer: deliveredContext(answer) });
    expect((await handler(event, lambdaContext())).statusCode).toBe(200);
    expect(await store.get(A)).toMatchObject({ userId: 'u1', claims: { sub: 'u1' } });
    expect(await collect(store.connectionsOfUser('u1'))).toEqual([A]);
  });

  it('a failed $connect leaves no record behind: a save that fails is undone', async () => {
    class FailingSaveStore extends MemoryConnectionStore {
      override async save(
        connection: NewConnection,
        options?: StoreCallOptions,
      ): Promise<ConnectionRecord> {
        // What a timeout mid-write looks like: part of it landed, then the call failed.
        await super.save(connection, options);
        throw new Error('TransactWriteItems timed out');
      }
    }
    const store = new FailingSaveStore();
    @WebSocketController()
    class Joiner {
      @OnConnect() async connect(ctx: WebSocketContext) {
        await ctx.join('a');
        await ctx.join('b');
      }
    }
    const log = recordingLogger();
    const handler = bootstrap([Joiner], { connections: store, logger: log });
    const result = await handler(connectEvent({ connectionId: A }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(await store.get(A)).toBeUndefined();
    expect(await collect(store.roomMembers('a'))).toEqual([]);
    expect(await collect(store.roomMembers('b'))).toEqual([]);
    expect(log.lines.find((line) => line.message === 'route failed')?.level).toBe('error');
  });

  it('a refused handshake leaves nothing, joins included', async () => {
    const store = new MemoryConnectionStore();
    @WebSocketController()
    class Refuser {
      @OnConnect() async connect(ctx: WebSocketContext) {
        await ctx.join('a');
        return ctx.status(403).json({ no: true });
      }
    }
    const handler = bootstrap([Refuser], { connections: store, logger: recordingLogger() });
    expect((await handler(connectEvent({ connectionId: A }), lambdaContext())).statusCode).toBe(
      403,
    );
    expect(await store.count()).toBe(0);
    expect(await collect(store.roomMembers('a'))).toEqual([]);
  });

  it('$disconnect forgets the connection and its rooms even when the route throws', async () => {
    const store = new MemoryConnectionStore();
    await store.save({ connectionId: A, rooms: ['a'] });
    @WebSocketController()
    class Broken {
      @OnConnect() connect() {}
    }
    const handler = bootstrap([Broken], { connections: store, logger: recordingLogger() });
    await handler(disconnectEvent({ connectionId: A }), lambdaContext());
    expect(await store.get(A)).toBeUndefined();
    expect(await collect(store.roomMembers('a'))).toEqual([]);
  });

  it('a connectedAt out of the Date range does not crash $connect (the store keeps its own time)', async () => {
    const store = new MemoryConnectionStore();
    @WebSocketController()
    class Open {
      @OnConnect() connect() {}
    }
    const handler = bootstrap([Open], { connections: store, logger: recordingLogger() });
    const event = connectEvent({ connectionId: A });
    event.requestContext.connectedAt = -1e20;
    expect((await handler(event, lambdaContext())).statusCode).toBe(200);
    expect((await store.get(A))?.connectedAt).toEqual(expect.any(String));
  });
});
