import { Writable } from 'node:stream';

/**
 * Cold start: the default logger is built from winston's createLogger, logform's format and
 * winston-transport, required from their own modules. winston's index would also build a
 * default logger and carry four transports, a Container and its package.json, all compiled
 * (and partly run) by every cold start of a bundled handler.
 */
describe("winston's index", () => {
  afterEach(() => {
    jest.dontMock('winston');
  });

  it('is loaded neither on import, nor by bootstrap, nor by the first lines logged', () => {
    const loaded: string[] = [];
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    jest.isolateModules(() => {
      jest.doMock('winston', () => {
        loaded.push('winston');
        return jest.requireActual<object>('winston');
      });
      const lift = jest.requireActual<typeof import('../../src/index')>('../../src/index');
      class Chat {}
      lift.WebSocketController()(Chat);
      lift.bootstrap([Chat], { connections: new lift.MemoryConnectionStore() });
      const logger = lift.createLogger({ format: 'json', stream: sink });
      logger.child({ room: 'lobby' }).info('joined', { userId: 'u1' });
      expect(loaded).toEqual([]);

      // Still winston's own Logger, the one its index exports.
      const winston = jest.requireActual<typeof import('winston')>('winston');
      expect(logger).toBeInstanceOf(winston.Logger);
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      message: 'joined',
      room: 'lobby',
      userId: 'u1',
    });
  });
});
