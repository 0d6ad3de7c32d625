import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { buildSync } from 'esbuild';
import * as v from 'valibot';
import { z } from 'zod';
import { defineContract } from '../../src/contract/define-contract';
import type { ActionBody, ActionReply, EventPayload } from '../../src/contract/contract-types';
import { parseWithSchema } from '../../src/contract/parse-with-schema';
import { validateWithSchema } from '../../src/contract/validate-with-schema';
import { ValidationFailedError } from '../../src/contract/validation-failed-error';
import { WsError } from '../../src/errors/ws-error';
import { mapError } from '../../src/runtime/error-envelope';

type Arktype = typeof import('arktype');

/**
 * arktype 2 ships ES modules only, which jest on Node 20 cannot require. esbuild turns the real
 * package into one CommonJS file, so the library itself (not a stand-in) runs in this suite.
 */
function loadArktype(): Arktype {
  const dir = mkdtempSync(join(tmpdir(), 'lift-ws-arktype-'));
  try {
    const file = join(dir, 'arktype.cjs');
    const built = buildSync({
      entryPoints: [require.resolve('arktype')],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    writeFileSync(file, built.outputFiles[0].contents);
    return createRequire(__filename)(file) as Arktype;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { type } = loadArktype();

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Compile-time equality: `expectType<Equal<A, B>>(true)` fails tsc when the types differ. */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(value: T): T {
  return value;
}

interface Message {
  room: string;
  text: string;
  tags: Array<{ name: string }>;
}

/** The same schema in each library. */
const libraries: Array<[string, StandardSchemaV1<Message, Message>]> = [
  [
    'zod 4',
    z.object({
      room: z.string(),
      text: z.string().min(1),
      tags: z.array(z.object({ name: z.string() })),
    }),
  ],
  [
    'valibot 1',
    v.object({
      room: v.string(),
      text: v.pipe(v.string(), v.minLength(1)),
      tags: v.array(v.object({ name: v.string() })),
    }),
  ],
  [
    'arktype 2',
    type({ room: 'string', text: 'string > 0', tags: type({ name: 'string' }).array() }),
  ],
];

describe('validateWithSchema with every Standard Schema library', () => {
  const good: Message = { room: 'lobby', text: 'hi', tags: [{ name: 'a' }] };

  test.each(libraries)(
    '%s: a valid body comes back as the schema output',
    async (_name, schema) => {
      await expect(validateWithSchema(schema, good)).resolves.toEqual({ value: good });
    },
  );

  test.each(libraries)(
    '%s: an invalid body gives { issues: [{ path, message }] } with dotted and indexed paths',
    async (_name, schema) => {
      const result = await validateWithSchema(schema, {
        room: 'lobby',
        text: 7,
        tags: [{ name: 'a' }, { name: 3 }],
      });
      expect(result.value).toBeUndefined();
      expect(result.issues?.map((issue) => issue.path).sort()).toEqual(['tags[1].name', 'text']);
      for (const issue of result.issues ?? []) {
        expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
        expect(typeof issue.message).toBe('string');
        expect(issue.message.length).toBeGreaterThan(0);
      }
    },
  );

  test.each(libraries)('%s: a missing body is refused at the root', async (_name, schema) => {
    const result = await validateWithSchema(schema, undefined);
    expect(result.issues).toEqual([{ path: '', message: expect.any(String) as string }]);
  });

  test.each(libraries)(
    '%s: parseWithSchema throws the 400 VALIDATION_FAILED error',
    (_n, schema) => {
      expect(parseWithSchema(schema, good)).toEqual(good);
      const thrown = thrownBy(() => parseWithSchema(schema, { ...good, room: 1 }));
      expect(thrown).toBeInstanceOf(ValidationFailedError);
      expect(thrown).toBeInstanceOf(WsError);
      expect(thrown).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        details: { issues: [{ path: 'room', message: expect.any(String) as string }] },
      });
    },
  );
});

describe('one envelope whatever the library', () => {
  test('zod, valibot and arktype refusals map to the same VALIDATION_FAILED envelope', () => {
    const bad = { room: 1, text: '', tags: [{ name: 'a' }, {}] };
    const envelopes = libraries.map(([, schema]) => {
      const { envelope, statusCode } = mapError(
        thrownBy(() => parseWithSchema(schema, bad)),
        'r',
      );
      const issues = (envelope.error.details as { issues: Array<{ path: string }> }).issues;
      // Only the wording of each message is the library's own.
      return { statusCode, code: envelope.error.code, paths: issues.map((i) => i.path).sort() };
    });
    const expected = {
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      paths: ['room', 'tags[1].name', 'text'],
    };
    expect(envelopes).toEqual([expected, expected, expected]);
  });
});

describe('issue bounds', () => {
  test('at most 20 issues reach the client (zod: 50 bad array items)', async () => {
    const result = await validateWithSchema(z.array(z.number()), Array(50).fill('x'));
    expect(result.issues).toHaveLength(20);
    expect(result.issues?.[19].path).toBe('[19]');
  });

  test('at most 20 issues (valibot, arktype)', async () => {
    const many = Array(30).fill('x');
    expect((await validateWithSchema(v.array(v.number()), many)).issues).toHaveLength(20);
    expect((await validateWithSchema(type('number[]'), many)).issues).toHaveLength(20);
  });

  test('each message is cut at 200 characters, the input never echoed whole', async () => {
    const long = 'y'.repeat(5000);
    const schema = z.string().refine(() => false, { message: `bad: ${long}` });
    const result = await validateWithSchema(schema, long);
    expect(result.issues?.[0].message.length).toBe(200);
    expect(result.issues?.[0].message.startsWith('bad: yyy')).toBe(true);
  });

  test('odd keys are quoted, symbols and path segments objects are read', async () => {
    const symbol = Symbol('s');
    const schema: StandardSchemaV1 = {
      '~standard': {
        version: 1,
        vendor: 'hand-made',
        validate: () => ({
          issues: [
            { message: 'a', path: ['first name', { key: 0 }, 'ok'] },
            { message: 'b', path: [symbol] },
            { message: 'c' },
          ],
        }),
      },
    };
    const result = await validateWithSchema(schema, {});
    expect(result.issues).toEqual([
      { path: '["first name"][0].ok', message: 'a' },
      { path: '[Symbol(s)]', message: 'b' },
      { path: '', message: 'c' },
    ]);
  });

  test('a failure without issues still names one', async () => {
    const schema: StandardSchemaV1 = {
      '~standard': { version: 1, vendor: 'x', validate: () => ({ issues: [] }) },
    };
    expect((await validateWithSchema(schema, 1)).issues).toEqual([
      { path: '', message: 'invalid value' },
    ]);
  });
});

describe('async validators', () => {
  const taken = new Set(['alice']);
  const name = z.string().refine(async (value) => {
    await Promise.resolve();
    return !taken.has(value);
  }, 'name taken');

  test('validateWithSchema awaits an async refinement', async () => {
    await expect(validateWithSchema(name, 'bob')).resolves.toEqual({ value: 'bob' });
    await expect(validateWithSchema(name, 'alice')).resolves.toEqual({
      issues: [{ path: '', message: 'name taken' }],
    });
  });

  test('parseWithSchema returns a Promise that rejects with VALIDATION_FAILED', async () => {
    await expect(parseWithSchema(name, 'bob')).resolves.toBe('bob');
    await expect(parseWithSchema(name, 'alice')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  test('valibot async pipes work too', async () => {
    const schema = v.pipeAsync(
      v.string(),
      v.checkAsync(async (value) => Promise.resolve(value !== 'alice'), 'name taken'),
    );
    await expect(validateWithSchema(schema, 'alice')).resolves.toEqual({
      issues: [{ path: '', message: 'name taken' }],
    });
  });
});

describe('the VALIDATION_FAILED envelope', () => {
  test('the error mapper sends code, message and details.issues', () => {
    const error = new ValidationFailedError([{ path: 'text', message: 'Required' }]);
    expect(mapError(error, 'req-1').envelope).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'the message does not match its schema',
        details: { issues: [{ path: 'text', message: 'Required' }] },
      },
      requestId: 'req-1',
    });
    expect(mapError(error, 'req-1').statusCode).toBe(400);
  });
});

describe('defineContract', () => {
  const chat = defineContract({
    actions: {
      sendMessage: {
        body: z.object({ room: z.string(), text: z.string() }),
        reply: z.object({ at: z.string().transform((at) => new Date(at)) }),
      },
      join: { body: v.object({ room: v.string() }) },
    },
    events: { message: type({ room: 'string', text: 'string', user: 'string' }) },
  });

  test('actions and events carry their kind and name, and everything is frozen', () => {
    expect(chat.kind).toBe('contract');
    expect(chat.actions.sendMessage).toMatchObject({ kind: 'action', name: 'sendMessage' });
    expect(chat.actions.join).toMatchObject({ kind: 'action', name: 'join', reply: undefined });
    expect(chat.events.message).toMatchObject({ kind: 'event', name: 'message' });
    expect(Object.isFrozen(chat)).toBe(true);
    expect(Object.isFrozen(chat.actions)).toBe(true);
    expect(Object.isFrozen(chat.actions.sendMessage)).toBe(true);
    expect(Object.isFrozen(chat.events.message)).toBe(true);
    expect(Object.keys(chat.actions)).toEqual(['sendMessage', 'join']);
  });

  test('types come from the schemas: body input, reply output, event output', () => {
    type Chat = typeof chat;
    expectType<Equal<ActionBody<Chat, 'sendMessage'>, { room: string; text: string }>>(true);
    expectType<Equal<ActionReply<Chat, 'sendMessage'>, { at: Date }>>(true);
    expectType<Equal<ActionReply<Chat, 'join'>, undefined>>(true);
    expectType<Equal<EventPayload<Chat, 'message'>, { room: string; text: string; user: string }>>(
      true,
    );
    expect(chat.actions.sendMessage.reply['~standard'].vendor).toBe('zod');
  });

  test('a value that is not a Standard Schema is refused, naming where', () => {
    expect(() => defineContract({ actions: { a: { body: {} as StandardSchemaV1 } } })).toThrow(
      'defineContract: actions.a.body must be a Standard Schema v1 validator',
    );
    expect(() =>
      defineContract({
        actions: { a: { body: z.string(), reply: 1 as unknown as StandardSchemaV1 } },
      }),
    ).toThrow('actions.a.reply must be a Standard Schema v1');
    expect(() => defineContract({ events: { e: null as unknown as StandardSchemaV1 } })).toThrow(
      'events.e must be a Standard Schema v1',
    );
    expect(() => defineContract({ actions: { $default: { body: z.string() } } })).toThrow(
      '"$default" cannot name action',
    );
    expect(() => defineContract(null as unknown as object)).toThrow(
      'defineContract needs an object',
    );
  });

  test('src/contract imports no validator library, and the spec package for its types only', () => {
    const dir = join(__dirname, '../../src/contract');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source).not.toMatch(/^import .*from '(zod|valibot|arktype)/m);
      for (const line of source.split('\n').filter((l) => l.includes("'@standard-schema/spec'"))) {
        expect(line).toMatch(/^import type /);
      }
    }
    // Schemas are only called through ~standard: a hand-made one is as good as a library's.
    const handMade: StandardSchemaV1<number> = {
      '~standard': { version: 1, vendor: 'mine', validate: (value) => ({ value: Number(value) }) },
    };
    expect(defineContract({ events: { tick: handMade } }).events.tick.schema).toBe(handMade);
  });
});
