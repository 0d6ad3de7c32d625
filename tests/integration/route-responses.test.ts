import { bootstrap, BadRequestError, OnMessage, WebSocketController } from 'lift-ws';
import { destroyManagementClients } from 'lift-ws/testing';
import { recordingLogger } from '../support/recording-logger';
import { gatewaysClosedAfterEach } from './local-gateway-kit';

/** Issue 9 item 5: `lift-ws dev --route-responses` sent every error twice. */
describe('a gateway whose every route is two-way', () => {
  const { start, connect } = gatewaysClosedAfterEach();
  afterAll(() => destroyManagementClients());

  it('sends an error once: as the route response, with no error frame besides', async () => {
    @WebSocketController()
    class Strict {
      @OnMessage('nope') nope() {
        throw new BadRequestError('not like that');
      }
    }
    const handler = bootstrap([Strict], { logger: recordingLogger() });
    const gateway = await start({ handler, routeResponses: true });
    const client = await connect(gateway.wsUrl);
    client.sendJson({ action: 'nope' });
    expect(await client.nextJson()).toMatchObject({
      error: { code: 'BAD_REQUEST', message: 'not like that' },
    });
    // The next frame is the pong: no second copy of the error came in between.
    client.sendJson({ action: 'ping' });
    expect(await client.nextJson()).toEqual({ type: 'pong' });
  });

  it('a gateway without route responses still gets the error as a frame', async () => {
    @WebSocketController()
    class Strict {
      @OnMessage('nope') nope() {
        throw new BadRequestError('not like that');
      }
    }
    const handler = bootstrap([Strict], { logger: recordingLogger() });
    const gateway = await start({ handler });
    const client = await connect(gateway.wsUrl);
    client.sendJson({ action: 'nope' });
    expect(await client.nextJson()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });
});
