import { createSign, generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  bootstrap,
  createLogger,
  OnConnect,
  OnMessage,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

/** A real RS256 JWT, so the redaction is tested on the real shape of a token. */
function realToken(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ sub: 'user-1', exp: 4102444800 })}`;
  const signature = createSign('RSA-SHA256')
    .update(unsigned)
    .sign(privateKey)
    .toString('base64url');
  return `${unsigned}.${signature}`;
}

describe('logging', () => {
  it('writes one line per event with route, status and duration, and the context fields', async () => {
    @WebSocketController()
    class Chat {
      @OnMessage('say') say(ctx: WebSocketContext) {
        ctx.logger.info('saying', { room: 'lobby' });
      }
    }
    const log = captureLogger();
    const handler = bootstrap([Chat], { logger: log.logger });
    const event = messageEvent({ body: { action: 'say' } });
    await handler(event, lambdaContext({ awsRequestId: 'aws-req-1' }));
    const entries = log.entries();
    const fromRoute = entries.find((entry) => entry.message === 'saying');
    expect(fromRoute).toMatchObject({
      room: 'lobby',
      connectionId: event.requestContext.connectionId,
      routeKey: '$default',
      requestId: event.requestContext.requestId,
      awsRequestId: 'aws-req-1',
    });
    const summary = entries.filter((entry) => typeof entry.durationMs === 'number');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      message: '$default say 200',
      statusCode: 200,
      action: 'say',
      level: 'info',
    });
  });

  it('never writes a token, the Authorization query/header or Sec-WebSocket-Protocol', async () => {
    const token = realToken();
    @WebSocketController()
    class Leaky {
      @OnConnect() connect(ctx: WebSocketContext) {
        // A careless route logging the whole event and a message built from the header.
        ctx.logger.info(`connect with ${ctx.header('authorization')}`, { event: ctx.event });
        ctx.logger.warn('url', { url: `wss://x/prod?Authorization=${token}&room=a` });
        throw new Error(`cannot verify ${token}`);
      }
    }
    const log = captureLogger();
    const handler = bootstrap([Leaky], { logger: log.logger });
    const result = await handler(
      connectEvent({
        query: { Authorization: token },
        headers: {
          Authorization: `Bearer ${token}`,
          'Sec-WebSocket-Protocol': `lift-ws, ${token}`,
        },
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(500);
    const text = log.text();
    expect(text.length).toBeGreaterThan(200);
    expect(text).toContain('[REDACTED]');
    for (const piece of token.split('.')) expect(text).not.toContain(piece);
  });

  it('writes JSON lines in Lambda and readable lines locally', () => {
    const capture = () => {
      const out: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _e, callback) {
          out.push(chunk.toString());
          callback();
        },
      });
      return { out, stream };
    };
    const saved = process.env.AWS_LAMBDA_FUNCTION_NAME;
    try {
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'chat';
      const json = capture();
      createLogger({ stream: json.stream }).info('hello', { n: 1 });
      expect(JSON.parse(json.out[0])).toMatchObject({ level: 'info', message: 'hello', n: 1 });
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      const pretty = capture();
      createLogger({ stream: pretty.stream, format: 'pretty' }).info('hello', { n: 1 });
      expect(pretty.out[0]).toMatch(/hello n=1/);
      expect(() => JSON.parse(pretty.out[0]) as unknown).toThrow();
    } finally {
      if (saved === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      else process.env.AWS_LAMBDA_FUNCTION_NAME = saved;
    }
  });

  it('takes its level from LOG_LEVEL', () => {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, callback) {
        out.push(chunk.toString());
        callback();
      },
    });
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'warn';
    try {
      const logger = createLogger({ stream, format: 'json' });
      logger.info('quiet');
      logger.warn('loud');
    } finally {
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
    expect(out.join('')).not.toContain('quiet');
    expect(out.join('')).toContain('loud');
  });
});
