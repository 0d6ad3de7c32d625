import {
  bootstrap,
  JwtAuth,
  MemoryConnectionStore,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

/** JwtAuth on message routes under bootstrap, where the runtime hydrates the claims first. */
describe('JwtAuth guarding message routes through bootstrap', () => {
  function guarded(store?: MemoryConnectionStore) {
    const seen: Array<string | undefined> = [];
    @WebSocketController()
    @UseMiddleware(JwtAuth.with({ secret: 'a-test-secret-of-at-least-32-bytes!!' }))
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
});
