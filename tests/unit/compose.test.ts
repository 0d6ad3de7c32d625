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
    await expect(Promise.resolve(run(ctx))).resolves.toBe(3);
  });

  it('answers synchronously when every layer passes next() through to a synchronous route', () => {
    const seen: unknown[] = [];
    const run = compose(
      [
        (_c, next) => next(),
        (_c, next) => {
          const promise = next();
          seen.push(promise instanceof Promise);
          return promise;
        },
      ],
      () => ({ length: 5 }),
    );
    // The value itself, not a promise: the caller needs no await hop.
    expect(run(ctx)).toEqual({ length: 5 });
    // Each middleware still received a promise from next(), as its type says.
    expect(seen).toEqual([true]);
  });

  it('hands a middleware that awaits next() a promise and answers with its own promise', async () => {
    const run = compose(
      [(_c, next) => next(), async (_c, next) => ({ wrapped: await next() })],
      () => 'inner',
    );
    const answer = run(ctx);
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toEqual({ wrapped: 'inner' });
  });

  it('passes an asynchronous route through pass-through layers as the same promise', async () => {
    const routePromise = Promise.resolve('later');
    const run = compose([(_c, next) => next(), (_c, next) => next()], () => routePromise);
    expect(run(ctx)).toBe(routePromise);
    await expect(routePromise).resolves.toBe('later');
  });

  it('adopts a foreign thenable from the route into a real promise for the middleware', async () => {
    const thenable = { then: (resolve: (value: string) => void) => resolve('adopted') };
    let handed: unknown;
    const run = compose(
      [
        (_c, next) => {
          handed = next();
          return handed;
        },
      ],
      () => thenable,
    );
    const answer = run(ctx);
    expect(handed).toBeInstanceOf(Promise);
    await expect(answer).resolves.toBe('adopted');
  });

  it('turns a synchronous throw from the route into a rejection of next()', async () => {
    const caught: unknown[] = [];
    const run = compose(
      [
        (_c, next) =>
          next().catch((error: unknown) => {
            caught.push(error);
            return 'recovered';
          }),
      ],
      () => {
        throw new Error('sync boom');
      },
    );
    await expect(run(ctx)).resolves.toBe('recovered');
    expect(caught).toEqual([new Error('sync boom')]);
  });

  it('rejects a second next() also when the first one answered synchronously', async () => {
    let routeRuns = 0;
    const run = compose(
      [
        (_c, next) => {
          void next();
          return next();
        },
      ],
      () => ++routeRuns,
    );
    await expect(Promise.resolve(run(ctx))).rejects.toThrow('next() called more than once');
    expect(routeRuns).toBe(1);
  });

  it('never mutates the middleware array it was given', async () => {
    const list: MiddlewareFunction[] = [(_c, next) => next(), (_c, next) => next()];
    const run = compose(list, () => 1);
    await run(ctx);
    expect(list).toHaveLength(2);
  });
});
