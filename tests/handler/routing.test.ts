import {
  bootstrap,
  Body,
  OnConnect,
  OnDefault,
  OnDisconnect,
  OnMessage,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { connectEvent, disconnectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

function parse(body: string | undefined): unknown {
  return body === undefined ? undefined : JSON.parse(body);
}

describe('routing', () => {
  const quiet = () => ({
    logger: captureLogger().logger,
    errorFrames: false,
    heartbeat: false as const,
  });

  function chatHandler(calls: string[]) {
    @WebSocketController()
    class ChatController {
      @OnConnect() connect(ctx: WebSocketContext) {
        calls.push(`connect:${ctx.eventType}`);
      }
      @OnDisconnect() disconnect(ctx: WebSocketContext) {
        calls.push(`disconnect:${ctx.eventType}`);
      }
      @OnMessage('sendMessage') send(ctx: WebSocketContext) {
        calls.push(`send:${ctx.body<{ text: string }>().text}`);
        return { ok: true };
      }
      @OnMessage('typing') typing() {
        calls.push('typing');
      }
    }
    return bootstrap([ChatController], quiet());
  }

  it('routes $connect and $disconnect by route key', async () => {
    const calls: string[] = [];
    const handler = chatHandler(calls);
    await expect(handler(connectEvent(), lambdaContext())).resolves.toEqual({ statusCode: 200 });
    await expect(handler(disconnectEvent(), lambdaContext())).resolves.toEqual({ statusCode: 200 });
    expect(calls).toEqual(['connect:CONNECT', 'disconnect:DISCONNECT']);
  });

  it('dispatches $default by the body action, parsing the body once', async () => {
    const calls: string[] = [];
    const handler = chatHandler(calls);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const result = await handler(
        messageEvent({ body: { action: 'sendMessage', text: 'hello' } }),
        lambdaContext(),
      );
      expect(result).toEqual({ statusCode: 200, body: '{"ok":true}' });
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
    expect(calls).toEqual(['send:hello']);
  });

  it('routes a custom route key straight to its @OnMessage', async () => {
    const calls: string[] = [];
    const handler = chatHandler(calls);
    await handler(messageEvent({ routeKey: 'typing', body: '{}' }), lambdaContext());
    expect(calls).toEqual(['typing']);
  });

  it('answers an unknown action with 404 and a non-JSON body with 400 when there is no @OnDefault', async () => {
    const handler = chatHandler([]);
    const unknown = await handler(messageEvent({ body: { action: 'nope' } }), lambdaContext());
    expect(unknown.statusCode).toBe(404);
    expect(parse(unknown.body)).toMatchObject({
      error: { code: 'NOT_FOUND', message: 'unknown action "nope"' },
    });
    const notJson = await handler(messageEvent('hello there'), lambdaContext());
    expect(notJson.statusCode).toBe(400);
    expect(parse(notJson.body)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const noAction = await handler(messageEvent({ body: { text: 'x' } }), lambdaContext());
    expect(noAction.statusCode).toBe(400);
    expect(parse(noAction.body)).toMatchObject({
      error: { message: 'the message has no action field' },
    });
  });

  it('sends unknown actions and non-JSON bodies to @OnDefault', async () => {
    const seen: Array<string | undefined> = [];
    @WebSocketController()
    class WithDefault {
      @OnMessage('known') known() {
        seen.push('known');
      }
      @OnDefault() fallback(ctx: WebSocketContext) {
        seen.push(ctx.rawBody);
      }
    }
    const handler = bootstrap([WithDefault], quiet());
    await handler(messageEvent({ body: { action: 'other' } }), lambdaContext());
    await handler(messageEvent('not json'), lambdaContext());
    await handler(messageEvent({ body: { action: 'known' } }), lambdaContext());
    expect(seen).toEqual(['{"action":"other"}', 'not json', 'known']);
  });

  it('reads the action from a configurable, dotted field', async () => {
    const seen: string[] = [];
    @WebSocketController()
    class Typed {
      @OnMessage('chat.send') send(@Body('payload.text') text: string) {
        seen.push(text);
      }
    }
    for (const actionField of ['meta.type', '$request.body.meta.type']) {
      const handler = bootstrap([Typed], { ...quiet(), actionField });
      const result = await handler(
        messageEvent({ body: { meta: { type: 'chat.send' }, payload: { text: actionField } } }),
        lambdaContext(),
      );
      expect(result.statusCode).toBe(200);
    }
    expect(seen).toEqual(['meta.type', '$request.body.meta.type']);
  });

  it('does not reach Object.prototype through the action', async () => {
    const handler = chatHandler([]);
    for (const action of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const result = await handler(messageEvent({ body: { action } }), lambdaContext());
      expect(result.statusCode).toBe(404);
    }
  });

  it('accepts $connect without an @OnConnect and spreads routes over several controllers', async () => {
    const calls: string[] = [];
    @WebSocketController()
    class Rooms {
      @OnMessage('join') join() {
        calls.push('join');
      }
    }
    @WebSocketController()
    class Presence {
      @OnMessage('typing') typing() {
        calls.push('typing');
      }
    }
    const handler = bootstrap([Rooms, new Presence()], quiet());
    await expect(handler(connectEvent(), lambdaContext())).resolves.toEqual({ statusCode: 200 });
    await handler(messageEvent({ body: { action: 'join' } }), lambdaContext());
    await handler(messageEvent({ body: { action: 'typing' } }), lambdaContext());
    expect(calls).toEqual(['join', 'typing']);
  });

  it('inherits routes from a decorated parent controller', async () => {
    const calls: string[] = [];
    @WebSocketController()
    class Base {
      @OnMessage('base') base() {
        calls.push('base');
      }
    }
    @WebSocketController()
    class Derived extends Base {
      @OnMessage('derived') derived() {
        calls.push('derived');
      }
    }
    const handler = bootstrap([Derived], quiet());
    await handler(messageEvent({ body: { action: 'base' } }), lambdaContext());
    await handler(messageEvent({ body: { action: 'derived' } }), lambdaContext());
    expect(calls).toEqual(['base', 'derived']);
  });
});
