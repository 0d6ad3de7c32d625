import middy from '@middy/core';
import {
  bootstrap,
  OnConnect,
  OnMessage,
  WebSocketController,
  WebSocketContext,
  type WebSocketEvent,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { compare } from './measure';

/**
 * Per-event cost of the framework: a `$default` message whose action is read from the JSON body,
 * dispatched to a route that reads one field. The baseline is what teams write by hand: one
 * switch over routeKey and action with the same JSON parse.
 */

type Result = { statusCode: number; body?: string };

// eslint-disable-next-line @typescript-eslint/require-await -- a Lambda handler is async: the baseline pays the same promise
async function handWritten(event: WebSocketEvent): Promise<Result> {
  switch (event.requestContext.routeKey) {
    case '$connect':
      return { statusCode: 200 };
    case '$disconnect':
      return { statusCode: 200 };
    default: {
      let body: { action?: string; text?: string };
      try {
        body = JSON.parse(event.body ?? '') as typeof body;
      } catch {
        return { statusCode: 400, body: '{"error":"not json"}' };
      }
      switch (body.action) {
        case 'sendMessage':
          return { statusCode: 200, body: JSON.stringify({ length: body.text?.length ?? 0 }) };
        case 'typing':
          return { statusCode: 200 };
        default:
          return { statusCode: 404, body: '{"error":"unknown action"}' };
      }
    }
  }
}

@WebSocketController()
class ChatController {
  @OnConnect() connect() {}
  @OnMessage('sendMessage') send(ctx: WebSocketContext) {
    return { length: ctx.body<{ text: string }>().text.length };
  }
  @OnMessage('typing') typing() {}
}

export async function runDispatchBench(): Promise<void> {
  const quiet = bootstrap([ChatController], { logger: { level: 'warn' }, errorFrames: false });
  const middyHandler = middy(handWritten);
  const message = messageEvent({
    body: { action: 'sendMessage', room: 'lobby', text: 'hello world' },
  });
  const connect = connectEvent();
  const context = lambdaContext();

  // Sanity: every candidate answers the same.
  const expected = JSON.stringify(await handWritten(message));
  for (const answer of [
    await quiet(message, context),
    await middyHandler(message, context as never),
  ]) {
    if (JSON.stringify(answer) !== expected)
      throw new Error(`candidates disagree: ${JSON.stringify(answer)} vs ${expected}`);
  }

  const options = { iterations: 20_000, rounds: 9, warmup: 20_000 };
  await compare(
    '$default message -> action route (JSON parse, one field read)',
    [
      { name: 'hand-written switch (baseline)', run: () => handWritten(message) },
      { name: 'lift-ws bootstrap (event log off)', run: () => quiet(message, context) },
      {
        name: '@middy/core around the same switch',
        run: () => middyHandler(message, context as never),
      },
    ],
    options,
  );
  await compare(
    '$connect (no body)',
    [
      { name: 'hand-written switch (baseline)', run: () => handWritten(connect) },
      { name: 'lift-ws bootstrap (event log off)', run: () => quiet(connect, context) },
      {
        name: '@middy/core around the same switch',
        run: () => middyHandler(connect, context as never),
      },
    ],
    options,
  );
}
