import {
  bootstrap,
  adaptLegacyHandler,
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  OnConnect,
  OnMessage,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  WebSocketController,
  WebSocketContext,
  WsError,
} from 'lift-ws';
import { connectEvent, disconnectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

function json(body: string | undefined): Record<string, unknown> {
  return JSON.parse(body ?? 'null') as Record<string, unknown>;
}

describe('results', () => {
  it('maps undefined, values, ctx.status().json() and ctx.header()', async () => {
    @WebSocketController()
    class Results {
      @OnConnect() connect(ctx: WebSocketContext) {
        ctx.setHeader('Sec-WebSocket-Protocol', 'chat');
        return { message: 'Connected!' };
      }
      @OnMessage('nothing') nothing() {}
      @OnMessage('value') value() {
        return [1, 2];
      }
      @OnMessage('explicit') explicit(ctx: WebSocketContext) {
        return ctx.status(202).json({ queued: true });
      }
      @OnMessage('statusOnly') statusOnly(ctx: WebSocketContext) {
        ctx.status(204);
      }
      @OnMessage('text') text(ctx: WebSocketContext) {
        return ctx.status(200).text('plain');
      }
    }
    const handler = bootstrap([Results], { logger: captureLogger().logger });
    expect(await handler(connectEvent(), lambdaContext())).toEqual({
      statusCode: 200,
      headers: { 'Sec-WebSocket-Protocol': 'chat' },
      body: '{"message":"Connected!"}',
    });
    const send = (action: string) => handler(messageEvent({ body: { action } }), lambdaContext());
    expect(await send('nothing')).toEqual({ statusCode: 200 });
    expect(await send('value')).toEqual({ statusCode: 200, body: '[1,2]' });
    expect(await send('explicit')).toEqual({ statusCode: 202, body: '{"queued":true}' });
    expect(await send('statusOnly')).toEqual({ statusCode: 204 });
    expect(await send('text')).toEqual({ statusCode: 200, body: 'plain' });
  });

  it('refuses the handshake with the status a $connect route returns', async () => {
    @WebSocketController()
    class Refuser {
      @OnConnect() connect(ctx: WebSocketContext) {
        return ctx.status(401).json({ message: 'Unauthorized' });
      }
    }
    const handler = bootstrap([Refuser], { logger: captureLogger().logger });
    expect(await handler(connectEvent(), lambdaContext())).toEqual({
      statusCode: 401,
      body: '{"message":"Unauthorized"}',
    });
  });

  it('passes a legacy handler result through unchanged', async () => {
    const legacy = (event: { requestContext: { connectionId: string } }) => ({
      statusCode: 201,
      headers: { 'X-Legacy': 'yes' },
      body: `legacy:${event.requestContext.connectionId}`,
    });
    @WebSocketController()
    class Migrating {
      @OnMessage('old') old = adaptLegacyHandler(legacy);
      @OnMessage('older') older(ctx: WebSocketContext) {
        return adaptLegacyHandler(() => ({ statusCode: 200, body: { wrapped: true } }))(ctx);
      }
    }
    const handler = bootstrap([Migrating], { logger: captureLogger().logger });
    const event = messageEvent({ body: { action: 'old' } });
    expect(await handler(event, lambdaContext())).toEqual({
      statusCode: 201,
      headers: { 'X-Legacy': 'yes' },
      body: `legacy:${event.requestContext.connectionId}`,
    });
    expect(await handler(messageEvent({ body: { action: 'older' } }), lambdaContext())).toEqual({
      statusCode: 200,
      body: '{"wrapped":true}',
    });
  });
});

describe('errors', () => {
  function thrower(error: unknown) {
    @WebSocketController()
    class Thrower {
      @OnMessage('fail') fail() {
        throw error;
      }
    }
    const log = captureLogger();
    return { handler: bootstrap([Thrower], { logger: log.logger, errorFrames: false }), log };
  }

  it.each([
    [new BadRequestError('bad'), 400, 'BAD_REQUEST'],
    [new UnauthorizedError('who?'), 401, 'UNAUTHORIZED'],
    [new ForbiddenError('no'), 403, 'FORBIDDEN'],
    [new NotFoundError('gone fishing'), 404, 'NOT_FOUND'],
    [new PayloadTooLargeError('big'), 413, 'PAYLOAD_TOO_LARGE'],
    [new TooManyRequestsError('slow down'), 429, 'TOO_MANY_REQUESTS'],
    [new WsError(409, 'ROOM_FULL', 'the room is full', { capacity: 10 }), 409, 'ROOM_FULL'],
  ])('a thrown %p becomes its status and the envelope', async (error, statusCode, code) => {
    const { handler } = thrower(error);
    const event = messageEvent({ body: { action: 'fail' } });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(statusCode);
    const body = json(result.body);
    expect(body).toEqual({
      error: {
        code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      },
      requestId: event.requestContext.requestId,
    });
  });

  it('answers an unknown error with a generic 500 and logs it in full', async () => {
    const { handler, log } = thrower(new Error('database password is hunter2 at db.internal'));
    const result = await handler(messageEvent({ body: { action: 'fail' } }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(json(result.body)).toMatchObject({
      error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
    });
    expect(result.body).not.toContain('hunter2');
    const logged = log.entries().find((entry) => entry.message === 'route failed');
    expect(JSON.stringify(logged)).toContain('db.internal');
    expect(JSON.stringify(logged)).toContain('stack');
  });

  it('hides the message and the internal code of a WsError that is not exposed: a generic 500', async () => {
    const { handler, log } = thrower(
      new WsError(503, 'DEPENDENCY_DOWN', 'redis at 10.0.0.1 refused', undefined, {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6379'), {
          code: 'ECONNREFUSED',
        }),
      }),
    );
    const result = await handler(messageEvent({ body: { action: 'fail' } }), lambdaContext());
    expect(result.statusCode).toBe(500);
    expect(json(result.body)).toMatchObject({
      error: { code: 'INTERNAL_ERROR', message: 'Internal server error' },
    });
    expect(result.body).not.toContain('DEPENDENCY_DOWN');
    // Logged at error with its code and the cause, never as a mere refusal.
    const logged = log.entries().find((entry) => entry.message === 'route failed');
    expect(logged?.level).toBe('error');
    expect(JSON.stringify(logged)).toContain('DEPENDENCY_DOWN');
    expect(JSON.stringify(logged)).toContain('ECONNREFUSED');
    expect(log.entries().some((entry) => entry.message === 'request refused')).toBe(false);
  });

  it('a thrown non-Error value still gets a 500', async () => {
    const { handler } = thrower('a string');
    const result = await handler(messageEvent({ body: { action: 'fail' } }), lambdaContext());
    expect(result.statusCode).toBe(500);
  });
});

describe('bad input never crashes the handler', () => {
  @WebSocketController()
  class Echo {
    @OnMessage('echo') echo(ctx: WebSocketContext) {
      return ctx.body();
    }
  }
  const handler = bootstrap([Echo], { logger: captureLogger().logger, errorFrames: false });
  const call = (event: unknown) => handler(event as never, lambdaContext());
  /** A real message event with some requestContext fields replaced. */
  function complete(changes: Record<string, unknown>): Record<string, unknown> {
    const event = messageEvent({ routeKey: 'echo', body: { action: 'echo' } });
    return { ...event, requestContext: { ...event.requestContext, ...changes } };
  }

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'hello'],
    ['an array', []],
    ['no requestContext', { body: '{}' }],
    ['requestContext of the wrong type', { requestContext: 'x' }],
    ['no routeKey', { requestContext: { connectionId: 'abc=' } }],
    ['a numeric connectionId', { requestContext: { routeKey: '$default', connectionId: 42 } }],
    [
      'an unknown eventType',
      { requestContext: { routeKey: '$default', connectionId: 'a=', eventType: 'PING' } },
    ],
    [
      'a body that is not a string',
      { requestContext: { routeKey: '$default', connectionId: 'a=' }, body: { action: 'echo' } },
    ],
    [
      'headers that are not an object',
      { requestContext: { routeKey: '$connect', connectionId: 'a=' }, headers: 'x' },
    ],
    // Complete events, as API Gateway shapes them, with one field wrong: the flat fast check
    // must not wave them through.
    ['a connectionId of 129 characters', complete({ connectionId: 'a'.repeat(129) })],
    ['an empty connectionId', complete({ connectionId: '' })],
    ['a connectionId with a lone surrogate', complete({ connectionId: 'ab\ud800=' })],
    ['a routeKey with a lone surrogate', complete({ routeKey: 'echo\udfff' })],
    ['an eventType that contradicts the routeKey', complete({ eventType: 'CONNECT' })],
    ['headers that are an array', { ...complete({}), headers: ['x'] }],
    ['query parameters that are an array', { ...complete({}), queryStringParameters: ['x'] }],
    ['a numeric body', { ...complete({}), body: 42 }],
  ])('%s -> 400 with a clear message', async (_name, event) => {
    const result = await call(event);
    expect(result.statusCode).toBe(400);
    expect(json(result.body)).toMatchObject({
      error: { code: 'BAD_REQUEST', message: expect.stringMatching(/^malformed event/) as unknown },
    });
  });

  // The event check keeps what the framework holds, logs and keys on safe (bounded, encodable);
  // an id API Gateway could not have issued is refused where it would be sent, before any request.
  it.each([
    ['a control character', 'ab\ncd='],
    ['a space', 'ab cd='],
  ])(
    'a connectionId with %s is answered, and a send to it is a 400 before any request',
    async (_name, id) => {
      const sends: unknown[] = [];
      @WebSocketController()
      class Sender {
        @OnMessage('echo') async echo(ctx: WebSocketContext) {
          sends.push(await ctx.send('x').catch((error: unknown) => error));
          return 'answered';
        }
      }
      const sender = bootstrap([Sender], { logger: captureLogger().logger, errorFrames: false });
      const result = await sender(complete({ connectionId: id }) as never, lambdaContext());
      expect(result).toEqual({ statusCode: 200, body: '"answered"' });
      expect(sends).toEqual([
        expect.objectContaining({ statusCode: 400, message: 'not an API Gateway connection id' }),
      ]);
    },
  );

  it('answers a complete event that passes every check', async () => {
    const result = await call(complete({}));
    expect(result).toEqual({ statusCode: 200, body: '{"action":"echo"}' });
  });

  it('fills in what a sparse but usable event lacks', async () => {
    const result = await call({
      requestContext: { routeKey: '$default', connectionId: 'a=' },
      body: '{"action":"echo","n":1}',
    });
    expect(result).toEqual({ statusCode: 200, body: '{"action":"echo","n":1}' });
  });

  it('an empty body is a 400', async () => {
    const result = await handler(messageEvent({ routeKey: 'echo', body: '' }), lambdaContext());
    expect(result.statusCode).toBe(400);
    expect(json(result.body)).toMatchObject({
      error: { message: expect.stringContaining('empty') as unknown },
    });
  });

  it('a 1 MB body is a 413 before anything parses it', async () => {
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const big = JSON.stringify({ action: 'echo', text: 'x'.repeat(1024 * 1024) });
      const result = await handler(messageEvent(big), lambdaContext());
      expect(result.statusCode).toBe(413);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('invalid UTF-8 is a 400, base64 or not', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]);
    const base64 = await call({
      ...messageEvent('x'),
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });
    expect(base64.statusCode).toBe(400);
    expect(json(base64.body)).toMatchObject({
      error: { message: 'the message body is not valid UTF-8' },
    });
    const loneSurrogate = await handler(
      messageEvent('{"action":"echo","t":"\ud800"}'),
      lambdaContext(),
    );
    expect(loneSurrogate.statusCode).toBe(400);
  });

  it('decodes a valid base64 body', async () => {
    const result = await call({
      ...messageEvent('x'),
      body: Buffer.from('{"action":"echo","ok":"é"}').toString('base64'),
      isBase64Encoded: true,
    });
    expect(result).toEqual({ statusCode: 200, body: '{"action":"echo","ok":"é"}' });
  });

  it('a disconnect event for a route-less app is a quiet 200', async () => {
    expect(await handler(disconnectEvent(), lambdaContext())).toEqual({ statusCode: 200 });
  });
});
