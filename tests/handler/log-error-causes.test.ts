import { Writable } from 'node:stream';
import { bootstrap, createLogger, OnMessage, WebSocketController, WsError } from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
}

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { lines, stream };
}

describe('errors with a cause in logs (issue 13, item 15)', () => {
  it('logs a WsError whose cause is ECONNREFUSED with the cause in full, not "[Circular]"', () => {
    const log = captureLogger();
    const error = new WsError(502, 'UPSTREAM_FAILED', 'the store did not answer', undefined, {
      cause: refused(),
    });
    log.logger.error('route failed', { statusCode: 502, error });
    const text = log.text();
    expect(text).not.toContain('[Circular]');
    expect(text).toContain('ECONNREFUSED');
    const [entry] = log.entries();
    expect(entry.error).toMatchObject({
      name: 'WsError',
      code: 'UPSTREAM_FAILED',
      message: 'the store did not answer',
      cause: {
        name: 'Error',
        message: 'connect ECONNREFUSED 127.0.0.1:1',
        code: 'ECONNREFUSED',
        stack: expect.stringContaining('connect ECONNREFUSED 127.0.0.1:1') as unknown,
      },
    });
    // The chain appears once: the cause is not copied a second time as an own property.
    expect(text.split('connect ECONNREFUSED 127.0.0.1:1\\n').length - 1).toBe(1);
  });

  it('keeps the reason of a failed route in its error line: a route whose store refuses connections', async () => {
    @WebSocketController()
    class Rooms {
      @OnMessage('join') join() {
        throw new WsError(503, 'BROADCAST_SOURCE_FAILED', 'could not list the room', undefined, {
          cause: refused(),
          expose: false,
        });
      }
    }
    const log = captureLogger();
    const handler = bootstrap([Rooms], { logger: log.logger, errorFrames: false });
    const result = await handler(messageEvent({ body: { action: 'join' } }), lambdaContext());
    expect(result.statusCode).toBeGreaterThanOrEqual(500);
    const failure = log.entries().find((entry) => entry.level === 'error');
    expect(failure).toBeDefined();
    expect(JSON.stringify(failure)).toContain('ECONNREFUSED');
    expect(JSON.stringify(failure)).not.toContain('[Circular]');
  });

  it('writes a deep cause chain once and bounded, and a real cycle as "[Circular]"', () => {
    const log = captureLogger();
    let error: Error = new Error('level 0');
    for (let i = 1; i <= 30; i++) error = new Error(`level ${i}`, { cause: error });
    const cyclic = new Error('cyclic') as Error & { self?: unknown };
    cyclic.self = cyclic;
    log.logger.error('deep', { error, cyclic });
    const [entry] = log.entries();
    const text = JSON.stringify(entry);
    expect(text).toContain('level 30');
    expect(text).toContain('level 25');
    expect(text).not.toContain('"level 0"');
    expect(text).toContain('[Truncated]');
    expect(entry.cyclic).toMatchObject({ message: 'cyclic', self: '[Circular]' });
  });

  it('logs the same error twice side by side without calling the second "[Circular]"', () => {
    const log = captureLogger();
    const shared = refused();
    log.logger.error('two', {
      pair: { first: shared, second: new Error('wrapper', { cause: shared }) },
    });
    const text = log.text();
    expect(text).not.toContain('[Circular]');
    expect(text.match(/connect ECONNREFUSED 127\.0\.0\.1:1"/g)?.length).toBe(2);
  });

  it('logger.error(err) with a cause writes the cause', () => {
    const log = captureLogger();
    log.logger.error(new Error('outer', { cause: refused() }) as unknown as string);
    const [entry] = log.entries();
    expect(entry).toMatchObject({ level: 'error', message: 'outer' });
    expect(entry.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('prints stacks as real indented lines in the readable format, causes included', () => {
    const out = capture();
    const logger = createLogger({ format: 'pretty', stream: out.stream });
    const error = new WsError(502, 'UPSTREAM_FAILED', 'no store', undefined, {
      cause: refused(),
    });
    logger.error('route failed', { error });
    const text = out.lines.join('');
    expect(text).not.toContain('\\n');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/error route failed error=WsError: no store \[UPSTREAM_FAILED\]$/);
    expect(lines.some((line) => /^ {4}WsError: no store/.test(line))).toBe(true);
    expect(lines.some((line) => /^ {6}at /.test(line))).toBe(true);
    expect(lines).toContain(
      '    Caused by: Error: connect ECONNREFUSED 127.0.0.1:1 [ECONNREFUSED]',
    );
  });
});
