import {
  bootstrap,
  JwtAuth,
  MemoryConnectionStore,
  OnConnect,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';
import { hsToken } from '../support/jwt-fixtures';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';

/** JwtAuth on message routes under bootstrap, where the runtime hydrates the claims first. */
describe('JwtAuth guarding message routes through bootstrap', () => {
  function guarded(store?: MemoryConnectionStore) {
    const seen: Array<string | undefined> = [];
    @WebSocketController()
    @UseMiddleware(JwtAuth.with({ secret: SECRET }))
    class Guarded {
      @OnMessage('who') who(ctx: WebSocketContext) {
        seen.push(ctx.userId);
      }
    }
    const handler = bootstrap([Guarded], {
      logger: captureLogger().logger,
      errorFrames: false,
      ...(store ? { connections: store } : {}),
    });
    return { handler, seen };
  }

  it('lets a connection whose authorizer context names a user through', async () => {
    const { handler, seen } = guarded();
    const event = messageEvent({ body: { action: 'who' }, authorizer: { sub: 'user-9' } });
    expect((await handler(event, lambdaContext())).statusCode).toBe(200);
    expect(seen).toEqual(['user-9']);
  });

  it('refuses an authorizer context without sub or userId, as JwtAuth alone does', async () => {
    const { handler, seen } = guarded();
    const event = messageEvent({ body: { action: 'who' }, authorizer: { role: 'admin' } });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(401);
    expect(seen).toEqual([]);
  });

  it('refuses a connection the store does not know and no authorizer vouched for', async () => {
    const { handler, seen } = guarded(new MemoryConnectionStore());
    const result = await handler(messageEvent({ body: { action: 'who' } }), lambdaContext());
    expect(result.statusCode).toBe(401);
    expect(seen).toEqual([]);
  });

  describe('a token that expires while the connection lives', () => {
    let clock: jest.SpyInstance<number, []> | undefined;
    afterEach(() => clock?.mockRestore());

    it('a 5-minute token stops authorising messages after it expires: 401 TOKEN_EXPIRED', async () => {
      const seen: Array<string | undefined> = [];
      @WebSocketController()
      @UseMiddleware(JwtAuth.with({ secret: SECRET }))
      class Chat {
        @OnConnect() connect() {}
        @OnMessage('who') who(ctx: WebSocketContext) {
          seen.push(ctx.userId);
        }
      }
      const handler = bootstrap([Chat], {
        logger: captureLogger().logger,
        errorFrames: false,
        connections: new MemoryConnectionStore(),
      });
      const token = hsToken({ sub: 'user-5' }, { expiresIn: 300 }, SECRET);
      const connect = connectEvent({ connectionId: 'c-5min', query: { Authorization: token } });
      expect((await handler(connect, lambdaContext())).statusCode).toBe(200);
      const message = () => messageEvent({ connectionId: 'c-5min', body: { action: 'who' } });
      expect((await handler(message(), lambdaContext())).statusCode).toBe(200);
      expect(seen).toEqual(['user-5']);

      const realNow = Date.now.bind(Date);
      clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 301_000);
      const expired = await handler(message(), lambdaContext());
      expect(expired.statusCode).toBe(401);
      expect(JSON.parse(expired.body ?? '{}')).toMatchObject({ error: { code: 'TOKEN_EXPIRED' } });
      expect(seen).toEqual(['user-5']);
    });
  });
});
