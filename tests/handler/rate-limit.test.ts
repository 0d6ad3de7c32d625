import {
  bootstrap,
  JwtAuth,
  MemoryConnectionStore,
  OnMessage,
  RateLimit,
  UseMiddleware,
  WebSocketController,
  type Logger,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { SECRET } from '../support/jwt-fixtures';
import { recordingLogger } from '../support/recording-logger';

describe('RateLimit', () => {
  it('refuses the message over the limit with a 429 envelope and lets the others through', async () => {
    @WebSocketController()
    class Chat {
      @UseMiddleware(RateLimit({ perConnection: '2/m' }))
      @OnMessage('say')
      say() {
        return 'ok';
      }
    }
    const handler = bootstrap([Chat], { logger: recordingLogger(), errorFrames: false });
    const say = () =>
      handler(
        messageEvent({ connectionId: 'UmF0ZTAwMDAwMDE=', body: { action: 'say' } }),
        lambdaContext(),
      );
    const answers = [await say(), await say(), await say()];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 429]);
    expect(JSON.parse(answers[2].body!)).toMatchObject({
      error: { code: 'TOO_MANY_REQUESTS', details: { scope: 'connection' } },
    });
    // Another connection has its own bucket.
    const other = await handler(
      messageEvent({ connectionId: 'UmF0ZTAwMDAwMDI=', body: { action: 'say' } }),
      lambdaContext(),
    );
    expect(other.statusCode).toBe(200);
  });

  it('a rate it cannot read fails at bootstrap, naming the class and method', () => {
    @WebSocketController()
    class Chat {
      // @ts-expect-error -- '10 per second' is not a rate: the type says so before bootstrap does
      @UseMiddleware(RateLimit({ perConnection: '10 per second' }))
      @OnMessage('say')
      say() {}
    }
    expect(() => bootstrap([Chat], { logger: recordingLogger() })).toThrow(
      /^Chat\.say @UseMiddleware\[0\]: RateLimit perConnection: "10 per second" is not a rate/,
    );
  });

  it('without limits it fails at bootstrap, naming where it is used', () => {
    @WebSocketController()
    @UseMiddleware(RateLimit({}))
    class Chat {
      @OnMessage('say') say() {}
    }
    expect(() => bootstrap([Chat], { logger: recordingLogger() })).toThrow(
      /^Chat @UseMiddleware\[0\]: RateLimit needs perConnection and\/or perUser/,
    );
  });
});

describe('bootstrap warns of routes that can never see an identity', () => {
  function warnings(logger: Logger & { lines: Array<{ level: string; message: string }> }) {
    return logger.lines.filter((line) => line.level === 'warn').map((line) => line.message);
  }

  it('JwtAuth on message routes and no connection store: one warning naming the routes and the fix', () => {
    @WebSocketController()
    @UseMiddleware(JwtAuth.with({ secret: SECRET }))
    class Echo {
      @OnMessage('echo') echo() {}
      @OnMessage('shout') shout() {}
    }
    const logger = recordingLogger();
    bootstrap([Echo], { logger });
    const warned = warnings(logger);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('Echo.echo, Echo.shout');
    expect(warned[0]).toContain('createJwtAuthorizer');
    expect(warned[0]).toContain('MemoryConnectionStore');
  });

  it('no warning with a connection store', () => {
    @WebSocketController()
    @UseMiddleware(JwtAuth.with({ secret: SECRET }))
    class Echo {
      @OnMessage('echo') echo() {}
    }
    const logger = recordingLogger();
    bootstrap([Echo], { logger, connections: new MemoryConnectionStore() });
    expect(warnings(logger)).toEqual([]);
  });
});
