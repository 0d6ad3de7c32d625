import { Writable } from 'node:stream';
import { bootstrap, createLogger, OnConnect, WebSocketController, WebSocketContext } from 'lift-ws';
import { connectEvent, lambdaContext } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

/** Secrets that are not JWT-shaped: only their keys say they are secrets. */
const PASSWORD = 'hunter2';
const BASIC = 'Basic dXNlcjpwYXNz';
const COOKIE = 'session=abc123';
const PROTOCOL_SECRET = 'lift-ws, s3cr3t-room-key';

function jsonLines(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', format: 'json', stream, ...options });
  return {
    logger,
    text: () => lines.join('\n'),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('secrets in logs (issue 13, item 21)', () => {
  it('redacts top-level secret keys of a call: password, token and apiKey', () => {
    const log = jsonLines();
    log.logger.info('x', { password: PASSWORD, token: 'abc', apiKey: 'k', room: 'lobby' });
    const [entry] = log.entries();
    expect(entry).toMatchObject({
      message: 'x',
      password: '[REDACTED]',
      token: '[REDACTED]',
      apiKey: '[REDACTED]',
      room: 'lobby',
    });
    expect(log.text()).not.toContain(PASSWORD);
  });

  it('redacts the request headers a route logs as they are: Authorization Basic, Cookie, Sec-WebSocket-Protocol', async () => {
    @WebSocketController()
    class Careless {
      @OnConnect() connect(ctx: WebSocketContext) {
        ctx.logger.info('h', ctx.event.headers ?? {});
      }
    }
    const log = captureLogger();
    const handler = bootstrap([Careless], { logger: log.logger });
    const result = await handler(
      connectEvent({
        headers: {
          Authorization: BASIC,
          Cookie: COOKIE,
          'Sec-WebSocket-Protocol': PROTOCOL_SECRET,
          'User-Agent': 'jest',
        },
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(200);
    const line = log.entries().find((entry) => entry.message === 'h');
    expect(line).toMatchObject({
      Authorization: '[REDACTED]',
      Cookie: '[REDACTED]',
      'Sec-WebSocket-Protocol': '[REDACTED]',
      'User-Agent': 'jest',
    });
    const text = log.text();
    for (const secret of ['dXNlcjpwYXNz', 'abc123', 's3cr3t-room-key']) {
      expect(text).not.toContain(secret);
    }
  });

  it('redacts child-logger bindings and defaultMeta', () => {
    const log = jsonLines({ defaultMeta: { service: 'chat', apiSecret: 'from-default-meta' } });
    const child = log.logger.child({ token: 'bound-token-1', userId: 'u1' });
    child.child({ password: PASSWORD }).info('nested child');
    child.info('child');
    const text = log.text();
    expect(text).not.toContain('bound-token-1');
    expect(text).not.toContain('from-default-meta');
    expect(text).not.toContain(PASSWORD);
    const [nested, plain] = log.entries();
    expect(nested).toMatchObject({
      token: '[REDACTED]',
      password: '[REDACTED]',
      apiSecret: '[REDACTED]',
      userId: 'u1',
      service: 'chat',
    });
    expect(plain).toMatchObject({ token: '[REDACTED]', userId: 'u1' });
  });

  it('redacts secret keys nested in objects, arrays, error own properties and causes', () => {
    const log = jsonLines();
    const cause = Object.assign(new Error('upstream refused'), { password: PASSWORD });
    const error = Object.assign(new Error('login failed', { cause }), {
      credentials: { user: 'u1', pass: 'p' },
    });
    log.logger.error('failed', {
      users: [{ name: 'a', password: PASSWORD }],
      request: { headers: { cookie: COOKIE, authorization: BASIC } },
      error,
    });
    const text = log.text();
    for (const secret of [PASSWORD, 'abc123', 'dXNlcjpwYXNz', '"pass":"p"']) {
      expect(text).not.toContain(secret);
    }
    const [entry] = log.entries();
    expect(entry).toMatchObject({
      users: [{ name: 'a', password: '[REDACTED]' }],
      request: { headers: { cookie: '[REDACTED]', authorization: '[REDACTED]' } },
      error: {
        message: 'login failed',
        credentials: '[REDACTED]',
        cause: { message: 'upstream refused', password: '[REDACTED]' },
      },
    });
  });

  it('keeps keys that only name a token: tokenSource, tokenType', () => {
    const log = jsonLines();
    log.logger.warn('JwtAuth refused the connection', {
      reason: 'expired',
      tokenSource: 'query',
      tokenType: 'Bearer',
      accessToken: 'opaque-access-token',
    });
    expect(log.entries()[0]).toMatchObject({
      tokenSource: 'query',
      tokenType: 'Bearer',
      accessToken: '[REDACTED]',
    });
  });

  it('redacts a Basic credential inside a message string', () => {
    const log = jsonLines();
    log.logger.warn(`refused header ${BASIC}`);
    expect(log.text()).not.toContain('dXNlcjpwYXNz');
    expect(log.entries()[0].message).toBe('refused header Basic [REDACTED]');
  });

  it('redacts the same keys in the readable format', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const logger = createLogger({ format: 'pretty', stream }).child({ token: 'bound' });
    logger.info('x', { password: PASSWORD, headers: { Cookie: COOKIE } });
    const text = lines.join('');
    expect(text).toContain('password=[REDACTED]');
    for (const secret of [PASSWORD, 'abc123', 'bound']) expect(text).not.toContain(secret);
  });
});
