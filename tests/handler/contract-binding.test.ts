import {
  bootstrap,
  defineContract,
  OnConnect,
  OnMessage,
  WebSocketController,
  type WebSocketContext,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import * as v from 'valibot';
import { z } from 'zod';
import { recordingLogger } from '../support/recording-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

const chat = defineContract({
  actions: {
    sendMessage: {
      body: z.object({
        room: z.string(),
        text: z
          .string()
          .min(1)
          .transform((t) => t.trim()),
      }),
      reply: z.object({ length: z.number() }),
    },
    join: { body: z.object({ room: z.string() }) },
  },
  events: { message: z.object({ room: z.string(), text: z.string() }) },
});

function json(body: string | undefined): Record<string, unknown> {
  return JSON.parse(body ?? '{}') as Record<string, unknown>;
}

/** Issue 10, the server side: schemas on routes, contract binding, replies to request frames. */
describe('message schemas on routes', () => {
  const schemas = {
    zod: z.object({ n: z.number().int() }),
    valibot: v.object({ n: v.pipe(v.number(), v.integer()) }),
    'an async zod refinement': z
      .object({ n: z.number() })
      .refine(async (b) => Number.isInteger(await Promise.resolve(b.n))),
  };

  it.each(Object.entries(schemas))(
    '%s: a valid body reaches the route as the schema outputs it, an invalid one is a 400 and the route does not run',
    async (_name, schema) => {
      const seen: unknown[] = [];
      @WebSocketController()
      class Counter {
        @OnMessage('count', { schema })
        count(ctx: WebSocketContext) {
          seen.push(ctx.body());
          return 'ok';
        }
      }
      const handler = bootstrap([Counter], { logger: recordingLogger(), errorFrames: false });
      const ok = await handler(messageEvent({ body: { action: 'count', n: 3 } }), lambdaContext());
      expect(ok.statusCode).toBe(200);
      // The frame's own field (action) is not part of what the schema checks or outputs.
      expect(seen).toEqual([{ n: 3 }]);

      const bad = await handler(
        messageEvent({ body: { action: 'count', n: 'three' } }),
        lambdaContext(),
      );
      expect(bad.statusCode).toBe(400);
      expect(json(bad.body)).toMatchObject({
        error: {
          code: 'VALIDATION_FAILED',
          details: { issues: [{ path: 'n', message: expect.any(String) as string }] },
        },
      });
      expect(seen).toHaveLength(1);
    },
  );

  it('a route bound to a contract action takes its name and its body schema', async () => {
    const bodies: unknown[] = [];
    @WebSocketController()
    class Chat {
      @OnMessage(chat.actions.sendMessage)
      send(ctx: WebSocketContext) {
        const { text } = ctx.body(chat.actions.sendMessage);
        bodies.push(text);
        return { length: text.length };
      }

      @OnMessage(chat.actions.join)
      join() {}
    }
    const handler = bootstrap([Chat], {
      logger: recordingLogger(),
      errorFrames: false,
      contract: chat,
    });
    const ok = await handler(
      messageEvent({ body: { action: 'sendMessage', room: 'lobby', text: '  hi  ' } }),
      lambdaContext(),
    );
    expect(json(ok.body)).toEqual({ length: 2 });
    expect(bodies).toEqual(['hi']);
    const bad = await handler(
      messageEvent({ body: { action: 'sendMessage', room: 'lobby', text: '' } }),
      lambdaContext(),
    );
    expect(json(bad.body)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('@OnConnect({ schema }) checks the query and headers; a bad one refuses the handshake', async () => {
    @WebSocketController()
    class Rooms {
      @OnConnect({ schema: z.object({ query: z.object({ room: z.string().min(1) }) }) })
      connect(ctx: WebSocketContext) {
        return { room: ctx.body<{ query: { room: string } }>().query.room };
      }
    }
    const handler = bootstrap([Rooms], { logger: recordingLogger() });
    const ok = await handler(connectEvent({ query: { room: 'lobby' } }), lambdaContext());
    expect(json(ok.body)).toEqual({ room: 'lobby' });
    const refused = await handler(connectEvent(), lambdaContext());
    expect(refused.statusCode).toBe(400);
    expect(json(refused.body)).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'query.room' }] } },
    });
  });
});

describe('bootstrap checks a bound contract', () => {
  it('a contract action without a route fails, naming the action', () => {
    @WebSocketController()
    class Partial {
      @OnMessage(chat.actions.sendMessage) send() {}
    }
    expect(() => bootstrap([Partial], { logger: recordingLogger(), contract: chat })).toThrow(
      `bootstrap: the contract's action "join" has no @OnMessage route`,
    );
  });

  it('a route whose action the contract does not define fails, naming both', () => {
    @WebSocketController()
    class Extra {
      @OnMessage(chat.actions.sendMessage) send() {}
      @OnMessage(chat.actions.join) join() {}
      @OnMessage('shout') shout() {}
    }
    expect(() => bootstrap([Extra], { logger: recordingLogger(), contract: chat })).toThrow(
      'bootstrap: Extra.shout handles "shout", which the contract does not define',
    );
  });
});

describe('request frames and events', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;

  @WebSocketController()
  class Chat {
    @OnMessage(chat.actions.sendMessage)
    send(ctx: WebSocketContext) {
      return { length: ctx.body(chat.actions.sendMessage).text.length };
    }

    @OnMessage(chat.actions.join)
    join() {}

    @OnMessage('announce')
    async announce(ctx: WebSocketContext) {
      const { room, text } = ctx.body<{ room: string; text: string }>();
      await ctx.emit(chat.events.message, { room, text });
    }
  }

  it('a request frame gets its reply frame with the same id, also when the route returns nothing', async () => {
    const handler = bootstrap([Chat], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
    });
    const id = 'UmVxdWVzdDAwMDE=';
    await handler(
      messageEvent({
        connectionId: id,
        body: { action: 'sendMessage', id: '7', room: 'r', text: 'hey' },
      }),
      lambdaContext(),
    );
    await handler(
      messageEvent({ connectionId: id, body: { action: 'join', id: '8', room: 'r' } }),
      lambdaContext(),
    );
    await handler(
      messageEvent({ connectionId: id, body: { action: 'sendMessage', room: 'r', text: 'x' } }),
      lambdaContext(),
    );
    expect(recorder.postsTo(id).map((post) => JSON.parse(post.text) as unknown)).toEqual([
      { type: 'reply', id: '7', body: { length: 3 } },
      { type: 'reply', id: '8' },
    ]);
  });

  it('a refused request carries its id in the error envelope', async () => {
    const handler = bootstrap([Chat], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
    });
    const id = 'UmVxdWVzdDAwMDI=';
    const result = await handler(
      messageEvent({
        connectionId: id,
        body: { action: 'sendMessage', id: '9', room: 'r', text: '' },
      }),
      lambdaContext(),
    );
    expect(json(result.body)).toMatchObject({ id: '9', error: { code: 'VALIDATION_FAILED' } });
    expect(recorder.postsTo(id).map((post) => JSON.parse(post.text) as unknown)).toEqual([
      expect.objectContaining({
        id: '9',
        error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) as unknown,
      }),
    ]);
  });

  it('with routeResponses the reply is the route response and nothing is posted', async () => {
    const handler = bootstrap([Chat], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
      routeResponses: true,
    });
    const id = 'UmVxdWVzdDAwMDM=';
    const result = await handler(
      messageEvent({
        connectionId: id,
        body: { action: 'sendMessage', id: '10', room: 'r', text: 'abcd' },
      }),
      lambdaContext(),
    );
    expect(json(result.body)).toEqual({ type: 'reply', id: '10', body: { length: 4 } });
    const refused = await handler(
      messageEvent({ connectionId: id, body: { action: 'sendMessage', id: '11', room: 'r' } }),
      lambdaContext(),
    );
    expect(json(refused.body)).toMatchObject({ id: '11', error: { code: 'VALIDATION_FAILED' } });
    expect(recorder.postsTo(id)).toEqual([]);
  });

  it('ctx.emit sends the event frame, and refuses a payload its schema does not accept (outside production)', async () => {
    const handler = bootstrap([Chat], {
      managementEndpoint: fixture.endpoint,
      logger: recordingLogger(),
      errorFrames: false,
    });
    const id = 'RW1pdDAwMDAwMDE=';
    const ok = await handler(
      messageEvent({ connectionId: id, body: { action: 'announce', room: 'r', text: 'hi' } }),
      lambdaContext(),
    );
    expect(ok.statusCode).toBe(200);
    const wrong = await handler(
      messageEvent({ connectionId: id, body: { action: 'announce', room: 'r', text: 5 } }),
      lambdaContext(),
    );
    // The server broke its own contract: a 500, not the client's 400.
    expect(wrong.statusCode).toBe(500);
    expect(recorder.postsTo(id).map((post) => JSON.parse(post.text) as unknown)).toEqual([
      { type: 'message', room: 'r', text: 'hi' },
    ]);
  });
});
