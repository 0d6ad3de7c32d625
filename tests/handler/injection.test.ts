import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bootstrap,
  Body,
  Claims,
  ConnectionId,
  Ctx,
  Header,
  OnConnect,
  OnMessage,
  Query,
  WebSocketController,
  WebSocketContext,
} from 'lift-ws';
import { connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';

describe('parameter injection', () => {
  const options = () => ({ logger: captureLogger().logger, errorFrames: false });

  it('gives an undecorated parameter the context, typed or not', async () => {
    const seen: unknown[] = [];
    @WebSocketController()
    class Injected {
      @OnMessage('typed') typed(ctx: WebSocketContext) {
        seen.push(ctx instanceof WebSocketContext);
      }
      // An `any` parameter is recorded as Object; it still gets the context.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      @OnMessage('untyped') untyped(ctx: any) {
        seen.push(ctx instanceof WebSocketContext);
      }
      @OnMessage('none') none(...args: unknown[]) {
        seen.push(args[0] instanceof WebSocketContext);
      }
    }
    const handler = bootstrap([Injected], options());
    for (const action of ['typed', 'untyped', 'none'])
      await handler(messageEvent({ body: { action } }), lambdaContext());
    expect(seen).toEqual([true, true, true]);
  });

  it('injects the pieces of the event by parameter decorators', async () => {
    let captured: unknown[] = [];
    @WebSocketController()
    class Pieces {
      @OnConnect() connect(
        @Query('room') room: string,
        @Header('user-agent') agent: string,
        @Ctx() ctx: WebSocketContext,
      ) {
        captured = [room, agent, ctx.routeKey];
      }
      @OnMessage('say') say(
        @Body() body: unknown,
        @Body('text') text: string,
        @Body('missing.deep') missing: unknown,
        @ConnectionId() id: string,
        @Claims() claims: unknown,
        ctx: WebSocketContext,
      ) {
        captured = [body, text, missing, id, claims, ctx.connectionId === id];
      }
    }
    const handler = bootstrap([Pieces], options());
    await handler(
      connectEvent({ query: { room: 'lobby' }, headers: { 'User-Agent': 'jest' } }),
      lambdaContext(),
    );
    expect(captured).toEqual(['lobby', 'jest', '$connect']);
    await handler(
      messageEvent({
        connectionId: 'Q29ubjAwMDAwMDE=',
        body: { action: 'say', text: 'hi' },
        authorizer: { sub: 'u1' },
      }),
      lambdaContext(),
    );
    expect(captured).toEqual([
      { action: 'say', text: 'hi' },
      'hi',
      undefined,
      'Q29ubjAwMDAwMDE=',
      expect.objectContaining({ sub: 'u1' }),
      true,
    ]);
  });

  it('@Body() on a non-JSON message answers 400 instead of calling the route', async () => {
    let called = false;
    @WebSocketController()
    class NeedsJson {
      @OnMessage('raw') raw(@Body() _body: unknown) {
        called = true;
      }
    }
    const handler = bootstrap([NeedsJson], options());
    const result = await handler(
      messageEvent({ routeKey: 'raw', body: 'not json' }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(called).toBe(false);
  });

  it('works with controllers compiled by esbuild, which drops decorator metadata', async () => {
    // Bundle a controller the way SAM / CDK / serverless bundle Lambda code (lift-ws included),
    // then load the bundle and call its handler.
    const { build } = await import('esbuild');
    const source = `
      import 'reflect-metadata';
      import { WebSocketController, OnMessage, Body, WebSocketContext, bootstrap } from 'lift-ws';
      @WebSocketController()
      class Echo {
        @OnMessage('echo') echo(ctx: WebSocketContext, @Body('text') text: string) {
          return {
            isContext: ctx instanceof WebSocketContext,
            text,
            hasMetadata: Reflect.getMetadata('design:paramtypes', Echo.prototype, 'echo') !== undefined,
          };
        }
      }
      export const handler = bootstrap([Echo], { errorFrames: false, logger: { level: 'error' } });
    `;
    const root = join(__dirname, '..', '..');
    await mkdir(join(root, '.tmp'), { recursive: true });
    const outDir = await mkdtemp(join(root, '.tmp', 'esbuild-injection-'));
    const outfile = join(outDir, 'handler.js');
    try {
      await build({
        stdin: { contents: source, loader: 'ts', resolveDir: root },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile,
        packages: 'external',
        alias: { 'lift-ws': join(root, 'src', 'index.ts') },
        tsconfigRaw: {
          compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true },
        },
        logLevel: 'silent',
      });
      const bundled = (await import(outfile)) as {
        handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; body?: string }>;
      };
      const result = await bundled.handler(
        messageEvent({ body: { action: 'echo', text: 'bundled' } }),
        lambdaContext(),
      );
      expect(JSON.parse(result.body!)).toEqual({
        isContext: true,
        text: 'bundled',
        hasMetadata: false,
      });
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
