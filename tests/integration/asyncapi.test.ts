import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Parser } from '@asyncapi/parser';
import * as v from 'valibot';
import { z } from 'zod';
import { defineContract } from 'lift-ws';
import { buildAsyncApi } from '../../src/cli/asyncapi';
import { runCli } from '../../src/cli/run-cli';
import { JWT_VARIABLES, saveEnvironment } from '../../samples/chat/src/dev-jwt-environment';

// `lift-ws asyncapi` on the chat sample, checked by the official AsyncAPI parser.

const ROOT = resolve(__dirname, '../..');

interface Captured {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function asyncapi(...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const { exitCode } = await runCli(['asyncapi', ...argv], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: ROOT,
  });
  return { exitCode, stdout, stderr };
}

async function validate(document: unknown) {
  const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
  // Severity 0 is an error; warnings (1) and hints are style advice.
  return { parsed, errors: diagnostics.filter((d) => Number(d.severity) === 0) };
}

describe('lift-ws asyncapi', () => {
  const restore = saveEnvironment([...JWT_VARIABLES]);
  let outDir: string;

  beforeAll(async () => {
    // The chat's JwtAuth reads its key when bootstrap runs, at the handler's load.
    process.env.JWT_SECRET = 'asyncapi-test-secret-of-at-least-32-bytes';
    outDir = await mkdtemp(join(tmpdir(), 'lift-ws-asyncapi-'));
  });

  afterAll(async () => {
    restore();
    await rm(outDir, { recursive: true, force: true });
  });

  it('writes the chat sample’s document, which the official parser accepts without errors', async () => {
    const out = join(outDir, 'chat.json');
    const run = await asyncapi(
      'samples/chat/src/handler.ts',
      '--contract',
      'samples/chat/src/chat-contract.ts#chatContract',
      '--jwt',
      '--out',
      out,
    );
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    const document = JSON.parse(await readFile(out, 'utf8')) as {
      channels: { api: { messages: Record<string, { payload: unknown }> } };
    };
    const { parsed, errors } = await validate(document);
    expect(errors).toEqual([]);
    expect(parsed?.version()).toBe('3.0.0');

    const operations = parsed!.operations().all();
    const byId: Record<string, string> = {};
    for (const op of operations) byId[String(op.id())] = String(op.action());
    expect(byId).toEqual({
      'receive.join': 'receive',
      'receive.leave': 'receive',
      'receive.sendMessage': 'receive',
      'receive.whoami': 'receive',
      'send.joined': 'send',
      'send.left': 'send',
      'send.message': 'send',
      'send.whoami': 'send',
    });
    expect(
      parsed!
        .channels()
        .all()
        .map((channel) => channel.id()),
    ).toEqual(['api']);
    expect(
      parsed!
        .securitySchemes()
        .all()
        .map((scheme) => scheme.type()),
    ).toEqual(['httpApiKey']);
    // zod's own converter: the frame's action beside the body's fields, the reply's schema.
    const { messages } = document.channels.api;
    expect(messages['action.sendMessage'].payload).toMatchObject({
      type: 'object',
      properties: {
        action: { const: 'sendMessage' },
        room: { type: 'string' },
        text: { type: 'string' },
      },
      required: ['action', 'room', 'text'],
    });
    expect(messages['reply.sendMessage'].payload).toMatchObject({
      properties: { body: { properties: { delivered: { type: 'integer' } } } },
    });
  });

  it('prints to stdout, and names what is missing when the handler exports no contract', async () => {
    const printed = await asyncapi(
      'samples/chat/src/handler.ts',
      '--contract',
      'samples/chat/src/chat-contract.ts#chatContract',
    );
    expect(printed.exitCode).toBe(0);
    const document = JSON.parse(printed.stdout) as { components?: unknown };
    // No --jwt: no security scheme.
    expect(document.components).toBeUndefined();
    await expect(validate(document)).resolves.toMatchObject({ errors: [] });

    const missing = await asyncapi('samples/chat/src/handler.ts');
    expect(missing).toMatchObject({ exitCode: 1, stdout: '' });
    expect(missing.stderr).toMatch(/exports no contract: name it with --contract/);
  });

  it('a schema without a converter (valibot without @valibot/to-json-schema) gets an empty schema with a note', async () => {
    const contract = defineContract({
      actions: { say: { body: v.object({ text: v.string() }) } },
      events: { said: z.object({ text: z.string() }) },
    });
    const document = buildAsyncApi(contract, { title: 't', version: '1', jwt: false });
    const { errors } = await validate(document);
    expect(errors).toEqual([]);
    const messages = (document.channels as Record<string, { messages: Record<string, never> }>).api
      .messages;
    expect(messages['action.say']).toMatchObject({
      payload: {
        allOf: [
          { properties: { action: { const: 'say' } } },
          { description: expect.stringMatching(/^No JSON Schema: the valibot schema/) as never },
        ],
      },
    });
  });
});
