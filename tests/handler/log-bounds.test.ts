import { Writable } from 'node:stream';
import { bootstrap, createLogger, OnMessage, WebSocketController, WebSocketContext } from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

const MAX_LINE_BYTES = 16 * 1024;

describe('bounded log lines (issue 13, item 8)', () => {
  it('cuts a long string with a marker saying how much was cut', () => {
    const log = captureLogger();
    log.logger.info('big', { body: 'x'.repeat(1_000_000) });
    const [entry] = log.entries();
    const body = entry.body as string;
    expect(body.length).toBeLessThan(2_100);
    expect(body.startsWith('x'.repeat(2_000))).toBe(true);
    expect(body).toContain('998000 more chars');
  });

  it('cuts a long message the same way', () => {
    const log = captureLogger();
    log.logger.info(`m${'y'.repeat(50_000)}`);
    const [entry] = log.entries();
    expect((entry.message as string).length).toBeLessThan(2_100);
    expect(entry.message).toContain('more chars');
  });

  it('bounds arrays and objects in entries and depth', () => {
    const log = captureLogger();
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    log.logger.info('shapes', { list: Array.from({ length: 10_000 }, (_, i) => i), wide, deep });
    const [entry] = log.entries();
    const list = entry.list as unknown[];
    expect(list.length).toBeLessThanOrEqual(51);
    expect(list[list.length - 1]).toMatch(/more items/);
    expect(Object.keys(entry.wide as object).length).toBeLessThanOrEqual(51);
    expect(JSON.stringify(entry.wide)).toMatch(/450 more keys/);
    expect(JSON.stringify(entry.deep)).toContain('[Truncated]');
    expect(JSON.stringify(entry.deep)).not.toContain('leaf');
  });

  it('bounds one line to 16 KB and keeps it one valid JSON object', () => {
    const log = captureLogger();
    const many = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`field${i}`, 'é'.repeat(1_900)]),
    );
    log.logger.info('wide line', many);
    expect(log.lines).toHaveLength(1);
    const [line] = log.lines;
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', message: 'wide line' });
    expect(entry.lineCut).toMatch(/bytes/);
  });

  it('keeps a line within the bound when even the tight copy is too big', () => {
    const log = captureLogger();
    const fields = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`f${i}`, i]));
    log.logger.warn('many fields', fields);
    const [line] = log.lines;
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', message: 'many fields' });
  });

  it('writes a bounded amount for an event whose route logs a huge body', async () => {
    @WebSocketController()
    class Echo {
      @OnMessage('echo') echo(ctx: WebSocketContext) {
        ctx.logger.info('got', { body: ctx.body(), raw: ctx.rawBody });
      }
    }
    const log = captureLogger();
    const handler = bootstrap([Echo], { logger: log.logger, errorFrames: false });
    const items = Array.from({ length: 2_000 }, (_, i) => ({ i, text: 'z'.repeat(20) }));
    const event = messageEvent({ body: { action: 'echo', items, note: 'n'.repeat(40_000) } });
    expect((event.body ?? '').length).toBeGreaterThan(100_000);
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(log.entries().some((entry) => entry.message === 'got')).toBe(true);
    const bytes = log.lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    expect(log.lines.length).toBeGreaterThanOrEqual(2);
    expect(bytes).toBeLessThanOrEqual(log.lines.length * MAX_LINE_BYTES);
    expect(bytes).toBeLessThan(40_000);
  });

  it('writes values JSON cannot: bigint, NaN, a throwing getter, a throwing toJSON', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const logger = createLogger({ format: 'json', stream });
    const hostile = {
      get boom(): string {
        throw new Error('getter');
      },
    };
    expect(() =>
      logger.info('odd', {
        big: 10n,
        nan: NaN,
        hostile,
        json: {
          toJSON() {
            throw new Error('toJSON');
          },
        },
      }),
    ).not.toThrow();
    const entry = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(entry).toMatchObject({
      big: '10n',
      nan: 'NaN',
      hostile: '[Unserializable]',
      json: '[Unserializable]',
    });
  });
});
