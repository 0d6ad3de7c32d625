import type { MiddlewareFunction, WebSocketContext } from 'lift-ws';
import { compose } from '../../src/middleware/compose';

const ctx = {} as WebSocketContext;

describe('compose (the middleware onion)', () => {
  it('runs middleware in order around the route and unwinds in reverse', async () => {
    const calls: string[] = [];
    const layer =
      (name: string): MiddlewareFunction =>
      async (_ctx, next) => {
        calls.push(`${name}:in`);
        const result = await next();
        calls.push(`${name}:out`);
        return result;
      };
    const run = compose([layer('a'), layer('b'), layer('c')], () => {
      calls.push('route');
      return 'done';
    });
    await expect(run(ctx)).resolves.toBe('done');
    expect(calls).toEqual(['a:in', 'b:in', 'c:in', 'route', 'c:out', 'b:out', 'a:out']);
  });

  it('lets a middleware short-circuit with its own value', async () => {
    const calls: string[] = [];
    const run = compose(
      [
        async (_c, next) => {
          calls.push('outer');
          return next();
        },
        () => {
          calls.push('guard');
          return 'refused';
        },
      ],
      () => {
        calls.push('route');
        return 'ok';
      },
    );
    await expect(run(ctx)).resolves.toBe('refused');
    expect(calls).toEqual(['outer', 'guard']);
  });

  it('rejects a second next() from the same middleware', async () => {
    let routeRuns = 0;
    const run = compose(
      [
        async (_c, next) => {
          await next();
          return next();
        },
      ],
      () => {
        routeRuns++;
      },
    );
    await expect(run(ctx)).rejects.toThrow('next() called more than once');
    expect(routeRuns).toBe(1);
  });

  it('propagates errors from the route through the middleware', async () => {
    const seen: unknown[] = [];
    const run = compose(
      [
        async (_c, next) => {
          try {
            return await next();
          } catch (error) {
            seen.push(error);
            throw error;
          }
        },
      ],
      () => {
        throw new Error('boom');
      },
    );
    await expect(run(ctx)).rejects.toThrow('boom');
    expect(seen).toHaveLength(1);
  });

  it('is reusable: each run dispatches from the start', async () => {
    let count = 0;
    const run = compose([(_c, next) => next()], () => ++count);
    await run(ctx);
    await run(ctx);
    await expect(run(ctx)).resolves.toBe(3);
  });

  it('never mutates the middleware array it was given', async () => {
    const list: MiddlewareFunction[] = [(_c, next) => next(), (_c, next) => next()];
    const run = compose(list, () => 1);
    await run(ctx);
    expect(list).toHaveLength(2);
  });
});
