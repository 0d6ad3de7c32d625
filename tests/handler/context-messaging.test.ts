import {
  bootstrap,
  MemoryConnectionStore,
  OnConnect,
  OnDisconnect,
  OnMessage,
  WebSocketController,
  WebSocketContext,
  type BroadcastResult,
} from 'lift-ws';
import { connectEvent, disconnectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

/**
 * The context's messaging through the real SDK client over real HTTP, against the test kit's
 * @connections recorder.
 */
const aMinuteAgo = (): string => new Date(Date.now() - 60_000).toISOString();

describe('WebSocketContext messaging', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;

  function handlerFor(controller: new () => object, extra: Parameters<typeof bootstrap>[1] = {}) {
    const log = captureLogger();
    return {
      log,
      handler: bootstrap([controller], {
        managementEndpoint: fixture.endpoint,
        logger: log.logger,
        broadcast: { timeoutMs: 500, retries: 1 },
        ...extra,
      }),
    };
  }

  it('send, sendJSON and sendTo post to @connections', async () => {
    @WebSocketController()
    class Sender {
      @OnMessage('go') async go(ctx: WebSocketContext) {
        await ctx.send('plain');
        await ctx.sendJSON({ n: 1 });
        await ctx.sendTo('T3RoZXIwMDAwMDE=', new TextEncoder().encode('bytes'));
      }
    }
    const { handler } = handlerFor(Sender);
    const event = messageEvent({ body: { action: 'go' } });
    expect((await handler(event, lambdaContext())).statusCode).toBe(200);
    const own = recorder.postsTo(event.requestContext.connectionId).map((post) => post.text);
    expect(own).toEqual(['plain', '{"n":1}']);
    expect(recorder.postsTo('T3RoZXIwMDAwMDE=').map((post) => post.text)).toEqual(['bytes']);
  });

  it('refuses a send during $connect with a clear error instead of a 410 from AWS', async () => {
    @WebSocketController()
    class Early {
      @OnConnect() async connect(ctx: WebSocketContext) {
        await ctx.send('too early');
      }
    }
    const { handler, log } = handlerFor(Early);
    const result = await handler(connectEvent(), lambdaContext());
    expect(result.statusCode).toBe(410);
    expect(log.text()).toContain('cannot send during $connect');
    expect(recorder.requests).toHaveLength(0);
  });

  it('refuses a payload over 128 KB before calling AWS', async () => {
    @WebSocketController()
    class Big {
      @OnMessage('big') async big(ctx: WebSocketContext) {
        await ctx.send('x'.repeat(128 * 1024 + 1));
      }
    }
    const { handler } = handlerFor(Big, { errorFrames: false });
    const result = await handler(messageEvent({ body: { action: 'big' } }), lambdaContext());
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body!)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(recorder.requests).toHaveLength(0);
  });

  it('posts the error envelope to the caller on message routes (errorFrames)', async () => {
    @WebSocketController()
    class Failing {
      @OnMessage('fail') fail() {
        throw new Error('secret internals');
      }
    }
    const { handler } = handlerFor(Failing);
    const event = messageEvent({ body: { action: 'fail' } });
    await handler(event, lambdaContext());
    const [frame] = recorder.postsTo(event.requestContext.connectionId);
    expect(JSON.parse(frame.text)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
      requestId: event.requestContext.requestId,
    });
  });

  it('broadcast reports sent, gone and failed without throwing, and the store forgets gone ids', async () => {
    const store = new MemoryConnectionStore();
    let result: BroadcastResult | undefined;
    @WebSocketController()
    class Caster {
      @OnMessage('cast') async cast(ctx: WebSocketContext) {
        result = await ctx.broadcast(['QTAwMDAwMDAwMDE=', 'QjAwMDAwMDAwMDE=', 'QzAwMDAwMDAwMDE='], {
          hello: true,
        });
      }
    }
    // Connected a minute ago: past the grace period in which a 410 means "still opening".
    for (const id of ['QTAwMDAwMDAwMDE=', 'QjAwMDAwMDAwMDE=', 'QzAwMDAwMDAwMDE='])
      await store.save({ connectionId: id, connectedAt: aMinuteAgo() });
    recorder.script('QjAwMDAwMDAwMDE=', 'gone');
    recorder.script('QzAwMDAwMDAwMDE=', 'forbidden');
    const { handler } = handlerFor(Caster, { connections: store });
    const answer = await handler(messageEvent({ body: { action: 'cast' } }), lambdaContext());
    expect(answer.statusCode).toBe(200);
    expect(result).toMatchObject({ sent: 1, gone: ['QjAwMDAwMDAwMDE='] });
    expect(result!.failed).toEqual([
      expect.objectContaining({ connectionId: 'QzAwMDAwMDAwMDE=', statusCode: 403 }),
    ]);
    expect(recorder.postsTo('QTAwMDAwMDAwMDE=')[0].text).toBe('{"hello":true}');
    expect(await store.get('QjAwMDAwMDAwMDE=')).toBeUndefined();
    expect(await store.get('QzAwMDAwMDAwMDE=')).toBeDefined();
  });

  it('a send that finds the connection gone removes it from the store', async () => {
    const store = new MemoryConnectionStore();
    @WebSocketController()
    class Direct {
      @OnMessage('poke') async poke(ctx: WebSocketContext) {
        await ctx.sendTo('R29uZTAwMDAwMDE=', 'hi').catch(() => undefined);
      }
    }
    await store.save({ connectionId: 'R29uZTAwMDAwMDE=', connectedAt: aMinuteAgo() });
    recorder.script('R29uZTAwMDAwMDE=', 'gone-without-type');
    const { handler } = handlerFor(Direct, { connections: store });
    await handler(messageEvent({ body: { action: 'poke' } }), lambdaContext());
    expect(await store.get('R29uZTAwMDAwMDE=')).toBeUndefined();
  });

  it('disconnect and getConnectionInfo use DeleteConnection and GetConnection', async () => {
    let info: unknown;
    @WebSocketController()
    class Admin {
      @OnMessage('kick') async kick(ctx: WebSocketContext) {
        info = await ctx.getConnectionInfo();
        await ctx.disconnect('S2ljazAwMDAwMDE=');
      }
    }
    const { handler } = handlerFor(Admin);
    const event = messageEvent({ body: { action: 'kick' } });
    await handler(event, lambdaContext());
    expect(info).toMatchObject({
      connectedAt: expect.any(Date) as unknown,
      lastActiveAt: expect.any(Date) as unknown,
    });
    const methods = recorder.requests.map((request) => `${request.method} ${request.connectionId}`);
    expect(methods).toEqual([
      `GET ${event.requestContext.connectionId}`,
      'DELETE S2ljazAwMDAwMDE=',
    ]);
  });

  it('tracks connections: saved after an accepted $connect only, claims restored on messages, deleted on $disconnect', async () => {
    const store = new MemoryConnectionStore();
    const seen: Array<string | undefined> = [];
    @WebSocketController()
    class Tracked {
      @OnConnect() connect(ctx: WebSocketContext) {
        if (ctx.query('deny')) return ctx.status(403).json({ message: 'no' });
        ctx.claims = { sub: 'user-7', tenant_id: 'acme' };
        ctx.userId = 'user-7';
        ctx.tenantId = 'acme';
        return undefined;
      }
      @OnMessage('who') who(ctx: WebSocketContext) {
        seen.push(ctx.userId, ctx.tenantId, ctx.connection?.connectionId);
      }
      @OnDisconnect() bye(ctx: WebSocketContext) {
        seen.push(`bye ${ctx.userId}`);
      }
    }
    const { handler } = handlerFor(Tracked, { connections: store });
    const refused = connectEvent({ query: { deny: '1' } });
    expect((await handler(refused, lambdaContext())).statusCode).toBe(403);
    expect(await store.get(refused.requestContext.connectionId)).toBeUndefined();

    const accepted = connectEvent();
    const id = accepted.requestContext.connectionId;
    expect((await handler(accepted, lambdaContext())).statusCode).toBe(200);
    expect(await store.get(id)).toMatchObject({
      connectionId: id,
      userId: 'user-7',
      tenantId: 'acme',
    });
    await handler(messageEvent({ connectionId: id, body: { action: 'who' } }), lambdaContext());
    await handler(disconnectEvent({ connectionId: id }), lambdaContext());
    expect(seen).toEqual(['user-7', 'acme', id, 'bye user-7']);
    expect(await store.get(id)).toBeUndefined();
    expect(await store.count()).toBe(0);
  });

  it('applies a join made during $connect once the connection is saved, and never for a refused one', async () => {
    const store = new MemoryConnectionStore();
    @WebSocketController()
    class AutoJoin {
      @OnConnect() async connect(ctx: WebSocketContext) {
        await ctx.join('lobby');
        if (ctx.query('deny')) return ctx.status(401).json({ message: 'no' });
        return undefined;
      }
    }
    const { handler } = handlerFor(AutoJoin, { connections: store });
    const refused = connectEvent({ query: { deny: '1' } });
    const accepted = connectEvent();
    expect((await handler(refused, lambdaContext())).statusCode).toBe(401);
    expect((await handler(accepted, lambdaContext())).statusCode).toBe(200);
    const members: string[] = [];
    for await (const id of store.roomMembers('lobby')) members.push(id);
    expect(members).toEqual([accepted.requestContext.connectionId]);
  });

  it('answers the built-in ping with a pong frame and touches lastSeenAt', async () => {
    let now = Date.parse('2026-11-26T08:00:00Z');
    const store = new MemoryConnectionStore({ now: () => now });
    @WebSocketController()
    class Quiet {}
    const { handler } = handlerFor(Quiet, { connections: store });
    const connect = connectEvent({ connectedAt: now });
    const id = connect.requestContext.connectionId;
    await handler(connect, lambdaContext());
    const before = (await store.get(id))!.lastSeenAt;
    now += 60_000;
    expect(
      await handler(messageEvent({ connectionId: id, body: { action: 'ping' } }), lambdaContext()),
    ).toEqual({
      statusCode: 200,
    });
    expect(recorder.postsTo(id).map((post) => post.text)).toEqual(['{"type":"pong"}']);
    expect(Date.parse((await store.get(id))!.lastSeenAt) - Date.parse(before)).toBe(60_000);
  });

  it("lets a controller's own ping win, and can reply as a route response or be turned off", async () => {
    @WebSocketController()
    class OwnPing {
      @OnMessage('ping') ping() {
        return { mine: true };
      }
    }
    const own = handlerFor(OwnPing).handler;
    expect(await own(messageEvent({ body: { action: 'ping' } }), lambdaContext())).toEqual({
      statusCode: 200,
      body: '{"mine":true}',
    });
    @WebSocketController()
    class NoPing {}
    const asResponse = handlerFor(NoPing, {
      heartbeat: { action: 'hb', reply: 'response' },
    }).handler;
    expect(await asResponse(messageEvent({ body: { action: 'hb' } }), lambdaContext())).toEqual({
      statusCode: 200,
      body: '{"type":"pong"}',
    });
    const off = handlerFor(NoPing, { heartbeat: false, errorFrames: false }).handler;
    expect(
      (await off(messageEvent({ body: { action: 'ping' } }), lambdaContext())).statusCode,
    ).toBe(404);
    expect(recorder.requests).toHaveLength(0);
  });
});
