/**
 * The local gateway's WebSocket side with real `ws` clients: handshakes, event shapes, the
 * authorizer, route selection, route responses and API Gateway's own error frames.
 */
import type {
  WebSocketAuthorizerEvent,
  WebSocketAuthorizerResult,
} from '../../src/events/websocket-event';
import {
  AWS_EVENT_KEYS,
  eventually,
  expectRefused,
  gatewaysClosedAfterEach,
  keysOf,
  recordingHandler,
  recordingLogger,
  TestClient,
} from './local-gateway-kit';

const ID = /^[A-Za-z0-9+/]{15}=$/;
const CLF = /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/;

function allow(context: Record<string, string | number | boolean>) {
  return (event: WebSocketAuthorizerEvent): WebSocketAuthorizerResult => ({
    principalId: 'user-42',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context,
  });
}

describe('local gateway: WebSocket side', () => {
  const { start, connect } = gatewaysClosedAfterEach();

  describe('handshake', () => {
    it('runs $connect during the handshake and opens the socket on 200', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler });
      expect(gateway.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/local$/);
      expect(gateway.managementEndpoint).toBe(`${gateway.url}/local`);

      await connect(gateway.wsUrl);

      expect(recorded.ofRoute('$connect')).toHaveLength(1);
      expect(gateway.connections).toEqual([recorded.events[0].requestContext.connectionId]);
    });

    it('builds the $connect event like AWS: headers, no query maps without a query, nulls', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler, stage: 'prod' });
      await connect(gateway.wsUrl);

      const event = recorded.events[0];
      expect(keysOf(event)).toEqual(AWS_EVENT_KEYS.connect.top);
      expect(keysOf(event.requestContext)).toEqual(AWS_EVENT_KEYS.connect.requestContext);
      const context = event.requestContext;
      expect(context).toMatchObject({
        routeKey: '$connect',
        eventType: 'CONNECT',
        messageDirection: 'IN',
        stage: 'prod',
        domainName: `127.0.0.1:${gateway.port}`,
        messageId: null,
        disconnectStatusCode: null,
        disconnectReason: null,
        identity: { sourceIp: '127.0.0.1' },
      });
      expect(context.connectionId).toMatch(ID);
      expect(context.requestId).toMatch(ID);
      expect(context.extendedRequestId).toBe(context.requestId);
      expect(context.apiId).toMatch(/^[a-z0-9]{10}$/);
      expect(context.requestTime).toMatch(CLF);
      expect(context.requestTimeEpoch).toBeGreaterThanOrEqual(context.connectedAt ?? Infinity);
      expect(event.isBase64Encoded).toBe(false);

      expect(event.headers).toMatchObject({
        Host: `127.0.0.1:${gateway.port}`,
        'Sec-WebSocket-Version': '13',
        'X-Forwarded-For': '127.0.0.1',
        'X-Forwarded-Port': String(gateway.port),
      });
      expect(event.headers?.['Sec-WebSocket-Key']).toBeDefined();
      expect(event.headers?.['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      // API Gateway consumes the hop-by-hop headers.
      expect(Object.keys(event.headers ?? {}).map((name) => name.toLowerCase())).not.toContain(
        'upgrade',
      );
      expect(event.multiValueHeaders?.Host).toEqual([`127.0.0.1:${gateway.port}`]);
    });

    it('adds the query maps when the URL has a query, with repeated values', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler });
      await connect(`${gateway.wsUrl}?Authorization=abc&room=a&room=b`);

      const event = recorded.events[0];
      expect(keysOf(event)).toEqual(AWS_EVENT_KEYS.connect.topWithQuery);
      expect(event.queryStringParameters).toEqual({ Authorization: 'abc', room: 'b' });
      expect(event.multiValueQueryStringParameters).toEqual({
        Authorization: ['abc'],
        room: ['a', 'b'],
      });
    });

    it('passes the Lambda context: request id, function name, remaining time', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        functionName: 'chat-fn',
        limits: { integrationTimeoutMs: 5000 },
      });
      await connect(gateway.wsUrl);
      const context = recorded.contexts[0];
      expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(context.functionName).toBe('chat-fn');
      const remaining = context.getRemainingTimeInMillis?.() ?? 0;
      expect(remaining).toBeGreaterThan(3000);
      expect(remaining).toBeLessThanOrEqual(5000);
    });

    it('refuses with the status $connect returns (the client sees 401) and its body', async () => {
      const recorded = recordingHandler(() => ({
        statusCode: 401,
        body: JSON.stringify({ error: { code: 'UNAUTHORIZED' } }),
      }));
      const gateway = await start({ handler: recorded.handler });

      const refusal = await expectRefused(gateway.wsUrl);

      expect(refusal.statusCode).toBe(401);
      expect(JSON.parse(refusal.body)).toEqual({ error: { code: 'UNAUTHORIZED' } });
      expect(gateway.connections).toEqual([]);
      // Never opened, so no $disconnect (closing waits for every running invocation).
      await gateway.close();
      expect(recorded.ofRoute('$disconnect')).toHaveLength(0);
    });

    it('answers 500 when $connect throws, and logs it', async () => {
      const logger = recordingLogger();
      const gateway = await start({
        handler: () => Promise.reject(new Error('database down')),
        logger,
      });
      const refusal = await expectRefused(gateway.wsUrl);
      expect(refusal.statusCode).toBe(500);
      expect(JSON.parse(refusal.body)).toEqual({ message: 'Internal server error' });
      expect(
        logger.lines.some(
          (line) => line.level === 'error' && line.message.includes('database down'),
        ),
      ).toBe(true);
    });

    it('puts $connect result headers on the 101 and echoes the chosen subprotocol', async () => {
      const gateway = await start({
        handler: (event) =>
          Promise.resolve(
            event.requestContext.eventType === 'CONNECT'
              ? {
                  statusCode: 200,
                  headers: { 'Sec-WebSocket-Protocol': 'chat.v2', 'X-Served-By': 'lift-ws' },
                }
              : { statusCode: 200 },
          ),
      });
      const client = await connect(gateway.wsUrl, ['chat.v1', 'chat.v2']);
      expect(client.socket.protocol).toBe('chat.v2');

      const raw = await rawHandshake(gateway.port, 'chat.v2');
      expect(raw).toMatch(/^HTTP\/1\.1 101/);
      expect(raw).toMatch(/\r\nSec-WebSocket-Protocol: chat\.v2\r\n/i);
      expect(raw).toMatch(/\r\nX-Served-By: lift-ws\r\n/i);
    });

    it('does not pick a subprotocol when $connect echoes none (the client fails, as browsers do on AWS)', async () => {
      const gateway = await start({ handler: () => Promise.resolve({ statusCode: 200 }) });
      await expect(TestClient.open(gateway.wsUrl, 'token-as-protocol')).rejects.toThrow(
        /subprotocol/i,
      );
    });

    it('refuses a path that is not the stage with 403', async () => {
      const gateway = await start({ handler: recordingHandler().handler });
      const refusal = await expectRefused(`${gateway.url.replace('http', 'ws')}/other-stage`);
      expect(refusal.statusCode).toBe(403);
    });
  });

  describe('authorizer', () => {
    it('passes the REQUEST authorizer event, then its context on every later event, stringified', async () => {
      const authorizerEvents: WebSocketAuthorizerEvent[] = [];
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        authorizer: (event) => {
          authorizerEvents.push(event);
          return Promise.resolve(
            allow({ sub: 'user-42', tenant_id: 'acme', exp: 1795681466, admin: false })(event),
          );
        },
      });
      const client = await connect(`${gateway.wsUrl}?Authorization=token-1`);
      client.sendJson({ action: 'sendMessage' });
      await recorded.waitFor('$default');
      await client.close(1000);
      await recorded.waitFor('$disconnect');

      const authorizerEvent = authorizerEvents[0];
      expect(keysOf(authorizerEvent)).toEqual(AWS_EVENT_KEYS.authorizerRequest.top);
      expect(authorizerEvent.type).toBe('REQUEST');
      expect(authorizerEvent.methodArn).toMatch(
        /^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]{10}\/local\/\$connect$/,
      );
      expect(authorizerEvent.queryStringParameters).toEqual({ Authorization: 'token-1' });

      const expected = {
        principalId: 'user-42',
        sub: 'user-42',
        tenant_id: 'acme',
        exp: '1795681466',
        admin: 'false',
      };
      for (const event of recorded.events) {
        expect(event.requestContext.authorizer).toMatchObject(expected);
        expect(event.requestContext.authorizer?.integrationLatency).toMatch(/^\d+$/);
      }
      expect(Object.keys(recorded.events[1].requestContext.authorizer ?? {}).slice(0, 2)).toEqual([
        'principalId',
        'integrationLatency',
      ]);
      expect(recorded.events.map((event) => event.requestContext.routeKey)).toEqual([
        '$connect',
        '$default',
        '$disconnect',
      ]);
    });

    it('refuses with 403 on Deny, without invoking $connect', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        authorizer: (event) => ({
          principalId: 'anonymous',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn },
            ],
          },
        }),
      });
      const refusal = await expectRefused(gateway.wsUrl);
      expect(refusal.statusCode).toBe(403);
      expect(recorded.events).toHaveLength(0);
    });

    it("refuses with 401 when the authorizer throws 'Unauthorized', 500 on any other error", async () => {
      const gateway = await start({
        handler: recordingHandler().handler,
        authorizer: (event) =>
          Promise.reject(new Error(event.queryStringParameters?.bug ? 'boom' : 'Unauthorized')),
      });
      expect((await expectRefused(gateway.wsUrl)).statusCode).toBe(401);
      expect((await expectRefused(`${gateway.wsUrl}?bug=1`)).statusCode).toBe(500);
    });

    it('refuses with 500 when the context holds an object (AWS rejects it)', async () => {
      const gateway = await start({
        handler: recordingHandler().handler,
        authorizer: (event) => ({ ...allow({})(event), context: { nested: { a: 1 } } }),
      });
      expect((await expectRefused(gateway.wsUrl)).statusCode).toBe(500);
    });

    it('refuses with 401 without calling the authorizer when an identity source is missing', async () => {
      let calls = 0;
      const gateway = await start({
        handler: recordingHandler().handler,
        authorizer: (event) => {
          calls += 1;
          return allow({})(event);
        },
        authorizerIdentitySource: ['route.request.querystring.Authorization'],
      });
      expect((await expectRefused(gateway.wsUrl)).statusCode).toBe(401);
      expect(calls).toBe(0);
      await connect(`${gateway.wsUrl}?Authorization=t`);
      expect(calls).toBe(1);
    });
  });

  describe('messages', () => {
    it('builds the MESSAGE event like AWS and routes to $default by default', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler });
      const client = await connect(gateway.wsUrl);
      const body = JSON.stringify({ action: 'sendMessage', text: 'hello' });
      client.send(body);

      const event = await recorded.waitFor('$default');
      expect(keysOf(event)).toEqual(AWS_EVENT_KEYS.message.top);
      expect(keysOf(event.requestContext)).toEqual(AWS_EVENT_KEYS.message.requestContext);
      expect(event.body).toBe(body);
      expect(event.isBase64Encoded).toBe(false);
      expect(event.requestContext).toMatchObject({ eventType: 'MESSAGE', messageDirection: 'IN' });
      expect(event.requestContext.messageId).toMatch(ID);
      const connectContext = recorded.events[0].requestContext;
      expect(event.requestContext.connectionId).toBe(connectContext.connectionId);
      expect(event.requestContext.connectedAt).toBe(connectContext.connectedAt);
      expect(event.requestContext.requestId).not.toBe(connectContext.requestId);
    });

    it('selects routes by action with an explicit route list; unknown and non-JSON go to $default', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        routes: ['sendMessage', 'join', '$default'],
      });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ action: 'join', room: 'lobby' });
      await recorded.waitFor('join');
      client.sendJson({ action: 'dance' });
      await recorded.waitFor('$default');
      client.send('not json at all');
      await recorded.waitFor('$default', 2);
      client.sendJson({ action: '$connect' });
      await recorded.waitFor('$default', 3);
      expect(recorded.ofRoute('$connect')).toHaveLength(1);
    });

    it('evaluates a dotted route selection expression', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        routeSelectionExpression: '$request.body.meta.type',
        routes: ['ping', '$default'],
      });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ meta: { type: 'ping' } });
      await recorded.waitFor('ping');
      client.sendJson({ type: 'ping' });
      await recorded.waitFor('$default');
    });

    it('selects by the multi-variable form ${request.body.service}/${request.body.action}', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        routeSelectionExpression: '${request.body.service}/${request.body.action}',
        routes: ['chat/join', '$default'],
      });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ service: 'chat', action: 'join' });
      await recorded.waitFor('chat/join');
      // One variable missing: the expression selects nothing, so the message goes to $default.
      client.sendJson({ action: 'join' });
      await recorded.waitFor('$default');
      expect(recorded.ofRoute('chat/join')).toHaveLength(1);
    });

    it('routes {"action":1} to route "1", as AWS stringifies the selected value', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler, routes: ['1', 'true', '$default'] });
      const client = await connect(gateway.wsUrl);
      client.send('{"action":1}');
      await recorded.waitFor('1');
      client.send('{"action":true}');
      await recorded.waitFor('true');
      client.send('{"action":{"name":"1"}}');
      await recorded.waitFor('$default');
    });

    it('never selects through Object.prototype: only own fields of the message count', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        routeSelectionExpression: '$request.body.constructor.name',
        routes: ['Object', '$default'],
      });
      const client = await connect(gateway.wsUrl);
      client.send('{}');
      client.send('{"__proto__":{"constructor":{"name":"Object"}}}');
      await recorded.waitFor('$default', 2);
      expect(recorded.ofRoute('Object')).toHaveLength(0);
      client.send('{"constructor":{"name":"Object"}}');
      await recorded.waitFor('Object');
    });

    it('sends the Forbidden frame when no route matches and there is no $default', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler, routes: ['sendMessage'] });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ action: 'nope' });
      const frame = await client.nextJson();
      const connectionId = recorded.events[0].requestContext.connectionId;
      expect(frame).toEqual({
        message: 'Forbidden',
        connectionId,
        requestId: expect.stringMatching(ID) as string,
      });
      expect(Object.keys(frame)).toEqual(['message', 'connectionId', 'requestId']);
      expect(recorded.events).toHaveLength(1);
    });

    it('sends the Internal server error frame when the handler throws', async () => {
      const gateway = await start({
        handler: (event) =>
          event.requestContext.eventType === 'MESSAGE'
            ? Promise.reject(new Error('bug'))
            : Promise.resolve({ statusCode: 200 }),
      });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ action: 'x' });
      const frame = await client.nextJson<Record<string, string>>();
      expect(frame.message).toBe('Internal server error');
      expect(frame.connectionId).toBe(gateway.connections[0]);
      expect(frame.requestId).toMatch(ID);
    });

    it('sends "Endpoint request timed out" past the integration timeout', async () => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const gateway = await start({
        handler: (event) =>
          event.requestContext.eventType === 'MESSAGE'
            ? released.then(() => ({ statusCode: 200 }))
            : Promise.resolve({ statusCode: 200 }),
        limits: { integrationTimeoutMs: 100 },
      });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ action: 'slow' });
      expect((await client.nextJson()).message).toBe('Endpoint request timed out');
      // The handler answers only now, after the gateway gave up on it: nothing more is sent.
      release();
      await gateway.close();
      await client.closed;
      expect(client.unread()).toEqual([]);
    });

    describe('route responses', () => {
      const bodies: string[] = [];
      const echo = (event: { body?: string | null; requestContext: { eventType: string } }) => {
        if (event.requestContext.eventType !== 'MESSAGE')
          return Promise.resolve({ statusCode: 200 });
        bodies.push(event.body ?? '');
        return Promise.resolve({ statusCode: 200, body: `echo:${event.body ?? ''}` });
      };

      it('sends nothing back by default (one-way routes)', async () => {
        const gateway = await start({ handler: echo });
        const client = await connect(gateway.wsUrl);
        client.send('hi');
        await eventually(() => bodies.includes('hi'));
        // Closing waits for the running invocation: an answer would be queued by then.
        await gateway.close();
        await client.closed;
        expect(client.unread()).toEqual([]);
      });

      it('sends the body back as a text frame when enabled for all routes', async () => {
        const gateway = await start({ handler: echo, routeResponses: true });
        const client = await connect(gateway.wsUrl);
        client.send('hi');
        expect(await client.next()).toBe('echo:hi');
      });

      it('sends the body back only for the listed routes', async () => {
        const gateway = await start({
          handler: echo,
          routes: ['ping', 'other'],
          routeResponses: ['ping'],
        });
        const client = await connect(gateway.wsUrl);
        client.sendJson({ action: 'other' });
        client.sendJson({ action: 'ping' });
        expect(await client.next()).toBe('echo:{"action":"ping"}');
        await gateway.close();
        await client.closed;
        expect(client.unread()).toEqual([]);
      });
    });

    it('runs sequentially per connection with messageOrder "sequential"', async () => {
      const started: string[] = [];
      const order: string[] = [];
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const gateway = await start({
        messageOrder: 'sequential',
        handler: async (event) => {
          if (event.requestContext.eventType === 'MESSAGE') {
            started.push(event.body ?? '');
            if (event.body === 'first') await gate;
            order.push(event.body ?? '');
          }
          return { statusCode: 200 };
        },
      });
      const client = await connect(gateway.wsUrl);
      client.send('first');
      client.send('second');
      await eventually(() => started.length > 0, 3000, 'the first invocation');
      // The gateway reads a socket's frames in order and answers a ping when it reads it: once
      // the pong is back, 'second' has arrived, and must wait while 'first' is still running.
      await new Promise<void>((resolve) => {
        client.socket.once('pong', () => resolve());
        client.socket.ping();
      });
      expect(started).toEqual(['first']);
      release();
      await eventually(() => order.length === 2, 3000, 'both invocations');
      expect(order).toEqual(['first', 'second']);
    });

    it('serves many concurrent clients, each getting its own answers', async () => {
      // No handler answers before all 40 run at once: the invocations really overlap.
      let running = 0;
      let allRunning: () => void = () => undefined;
      const together = new Promise<void>((resolve) => (allRunning = resolve));
      const gateway = await start({
        routeResponses: true,
        handler: async (event) => {
          if (event.requestContext.eventType === 'MESSAGE') {
            running += 1;
            if (running === 40) allRunning();
            await together;
          }
          return {
            statusCode: 200,
            body: `${event.requestContext.connectionId}:${event.body ?? ''}`,
          };
        },
      });
      const many = await Promise.all(Array.from({ length: 40 }, () => connect(gateway.wsUrl)));
      expect(new Set(gateway.connections).size).toBe(40);
      many.forEach((client, index) => client.send(`m${index}`));
      const answers = await Promise.all(many.map((client) => client.next()));
      answers.forEach((answer, index) => expect(answer.endsWith(`:m${index}`)).toBe(true));
      expect(new Set(answers.map((answer) => answer.split(':')[0])).size).toBe(40);
    });

    it('logs each event readably: route, connection, status, duration', async () => {
      const logger = recordingLogger();
      const gateway = await start({ handler: recordingHandler().handler, logger });
      const client = await connect(gateway.wsUrl);
      client.sendJson({ action: 'x' });
      const id = gateway.connections[0];
      const line = await eventually(
        () => logger.lines.find((l) => l.message.startsWith(`$default ${id}`))?.message,
      );
      expect(line).toMatch(new RegExp(`^\\$default ${id.replace(/[+/=]/g, '\\$&')} 200 \\d+ms$`));
      expect(logger.lines.some((l) => l.message.startsWith(`$connect ${id} 200`))).toBe(true);
      // At debug: the handler's own access line is the one `lift-ws dev` shows by default.
      expect(logger.lines.find((l) => l.message === line)?.level).toBe('debug');
    });
  });

  describe('replaceHandlers', () => {
    it("after replaceHandlers the same open socket's next message reaches the new handler", async () => {
      const first = recordingHandler((event) => ({ statusCode: 200, body: `first:${event.body}` }));
      const second = recordingHandler((event) => ({
        statusCode: 200,
        body: `second:${event.body}`,
      }));
      const gateway = await start({ handler: first.handler, routeResponses: true });
      const client = await connect(gateway.wsUrl);
      client.send('a');
      expect(await client.next()).toBe('first:a');
      const [connectionId] = gateway.connections;

      gateway.replaceHandlers({ handler: second.handler });
      client.send('b');
      expect(await client.next()).toBe('second:b');
      expect(second.ofRoute('$default')[0].requestContext.connectionId).toBe(connectionId);
      expect(first.ofRoute('$default')).toHaveLength(1);
      expect(gateway.connections).toEqual([connectionId]);
      expect(first.ofRoute('$disconnect')).toHaveLength(0);

      // The connection's $disconnect goes to the new handler too.
      await client.close(1000);
      await second.waitFor('$disconnect');
      expect(first.ofRoute('$disconnect')).toHaveLength(0);
    });

    it('swaps the authorizer for the next handshake and keeps what is not given', async () => {
      const recorded = recordingHandler();
      const gateway = await start({
        handler: recorded.handler,
        authorizer: allow({ version: 1 }),
      });
      const before = await connect(gateway.wsUrl);
      gateway.replaceHandlers({ authorizer: allow({ version: 2 }) });
      await connect(gateway.wsUrl);
      const connects = recorded.ofRoute('$connect');
      expect(connects.map((event) => event.requestContext.authorizer?.version)).toEqual(['1', '2']);
      // The handler was not given, so it stays; the first socket is still served.
      before.send('still here');
      const message = await recorded.waitFor('$default');
      expect(message.requestContext.authorizer?.version).toBe('1');
    });

    it('refuses what is not a function, changing nothing', async () => {
      const recorded = recordingHandler();
      const gateway = await start({ handler: recorded.handler });
      expect(() => gateway.replaceHandlers({ handler: 'handler.js' as never })).toThrow(
        'LocalGateway.replaceHandlers: `handler` must be a function',
      );
      expect(() => gateway.replaceHandlers({ authorizer: 42 as never })).toThrow(
        '`authorizer` must be a function',
      );
      const client = await connect(gateway.wsUrl);
      client.send('x');
      await recorded.waitFor('$default');
    });
  });
});

/** A raw handshake, to read the 101 response's header lines exactly as sent. */
async function rawHandshake(port: number, protocol: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        'GET /local HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
    });
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(data.slice(0, data.indexOf('\r\n\r\n') + 2));
      }
    });
    socket.on('error', reject);
  });
}
