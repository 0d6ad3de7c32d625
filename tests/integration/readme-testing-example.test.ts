import {
  bootstrap,
  JwtAuth,
  OnMessage,
  UseMiddleware,
  WebSocketController,
  type WebSocketContext,
} from 'lift-ws';
import { ConnectionsRecorder, lambdaContext, messageEvent } from 'lift-ws/testing';

@WebSocketController()
@UseMiddleware(JwtAuth.with({ secret: 'a-test-secret-of-at-least-32-chars!' }))
class EchoController {
  @OnMessage('echo')
  async echo(ctx: WebSocketContext) {
    const { text } = ctx.body<{ text: string }>();
    await ctx.sendJSON({ type: 'echo', text, from: ctx.userId });
  }
}

describe('EchoController', () => {
  const recorder = new ConnectionsRecorder();
  let handler: ReturnType<typeof bootstrap>;

  beforeAll(async () => {
    const { endpoint } = await recorder.start('prod');
    handler = bootstrap([EchoController], { managementEndpoint: endpoint });
  });

  // afterAll runs even when an assertion fails, so jest never hangs on the open server.
  afterAll(() => recorder.close());

  it('echoes to the sender', async () => {
    // On message routes the claims come from the $connect authorizer's context.
    const event = messageEvent({
      body: { action: 'echo', text: 'hi' },
      authorizer: { sub: 'u1' },
    });
    expect(await handler(event, lambdaContext())).toEqual({ statusCode: 200 });
    const [post] = recorder.postsTo(event.requestContext.connectionId);
    expect(JSON.parse(post.text)).toEqual({ type: 'echo', text: 'hi', from: 'u1' });
  });

  it('refuses a message without a verified identity', async () => {
    const event = messageEvent({ body: { action: 'echo', text: 'hi' } });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(401);
    // The client is told why, on its own connection.
    const [post] = recorder.postsTo(event.requestContext.connectionId);
    expect(JSON.parse(post.text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });
});
