import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import jwt from 'jsonwebtoken';
import type { LambdaContext, WebSocketAuthorizerResult, WebSocketResult } from 'lift-ws';
import { authorizerEvent, connectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { JWT_VARIABLES, saveEnvironment } from '../../samples/chat/src/dev-jwt-environment';
import { chatCodeUri, readChatTemplate } from '../support/chat-template';
import { useConnectionsRecorder } from '../support/recorder-fixture';

// Builds the chat's functions the way `sam build` does with template.yaml's esbuild metadata
// (CodeUri as the working directory, tsconfig.json found by esbuild itself, no decorator
// metadata), then drives the bundles with API Gateway-shaped events.

const SECRET = 'bundle-test-secret-of-at-least-32-bytes!!';

type Handler = (event: unknown, context: LambdaContext) => Promise<WebSocketResult>;
type Authorizer = (event: unknown) => Promise<WebSocketAuthorizerResult>;

interface SamFunction {
  Properties: { Handler: string; CodeUri?: string };
  Metadata: {
    BuildMethod: string;
    BuildProperties: {
      EntryPoints: string[];
      Target?: string;
      Format?: 'cjs' | 'esm';
      Minify?: boolean;
      Sourcemap?: boolean;
      External?: string[];
    };
  };
}

interface Template {
  Globals: { Function: { CodeUri?: string } };
  Resources: Record<string, SamFunction>;
}

describe('the chat bundled as template.yaml builds it', () => {
  const restoreEnvironment = saveEnvironment([
    ...JWT_VARIABLES,
    'CONNECTIONS_TABLE',
    'LIFT_WS_MANAGEMENT_ENDPOINT',
    'AWS_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'LOG_LEVEL',
  ]);
  // Stands in for the API's @connections endpoint; every post is answered 200 and recorded.
  const connectionsApi = useConnectionsRecorder('prod');
  const { recorder } = connectionsApi;
  let outdir: string;
  const bundles = new Map<string, { file: string; exportName: string; code: string }>();

  function token(user: string): string {
    return jwt.sign({ tenant_id: 'acme' }, SECRET, {
      algorithm: 'HS256',
      subject: user,
      issuer: 'chat-tests',
      audience: 'chat',
      expiresIn: 300,
    });
  }

  function load<T>(resource: string): T {
    const bundle = bundles.get(resource);
    if (!bundle) throw new Error(`${resource} was not built`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = (require(bundle.file) as Record<string, unknown>)[bundle.exportName];
    if (typeof exported !== 'function') {
      throw new Error(`${bundle.file} does not export a function "${bundle.exportName}"`);
    }
    return exported as T;
  }

  beforeAll(async () => {
    const template = readChatTemplate<Template>();
    outdir = await mkdtemp(join(tmpdir(), 'lift-ws-chat-bundle-'));
    for (const resource of ['ChatFunction', 'AuthorizerFunction']) {
      const fn = template.Resources[resource];
      const props = fn.Metadata.BuildProperties;
      const codeUri = chatCodeUri(fn.Properties.CodeUri, template.Globals.Function.CodeUri);
      const [fileName, exportName] = fn.Properties.Handler.split('.');
      // SAM runs esbuild in the (copied) CodeUri folder, one output folder per function.
      const functionDir = join(outdir, resource);
      await build({
        absWorkingDir: codeUri,
        entryPoints: props.EntryPoints,
        outdir: functionDir,
        bundle: true,
        platform: 'node',
        target: props.Target ?? 'es2020',
        format: props.Format ?? 'cjs',
        minify: props.Minify ?? false,
        sourcemap: props.Sourcemap ?? false,
        external: props.External ?? [],
        logLevel: 'silent',
      });
      const file = join(functionDir, `${fileName}.js`);
      bundles.set(resource, { file, exportName, code: await readFile(file, 'utf8') });
    }

    // What template.yaml and Lambda put in the environment (minus the table: memory store).
    Object.assign(process.env, {
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'chat-tests',
      JWT_AUDIENCE: 'chat',
      LIFT_WS_MANAGEMENT_ENDPOINT: connectionsApi.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      LOG_LEVEL: 'error',
    });
    for (const name of ['JWT_PUBLIC_KEY', 'JWT_JWKS_URI', 'JWT_ALGORITHMS', 'CONNECTIONS_TABLE']) {
      delete process.env[name];
    }
  });

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
    restoreEnvironment();
  });

  it('compiles the decorators without emitting decorator metadata', () => {
    const { code } = bundles.get('ChatFunction')!;
    expect(code).toContain('__decorateClass');
    expect(code).not.toMatch(/__metadata\(\s*"design:/);
  });

  it('routes $connect and injects the context: 401 without a token, 200 with one', async () => {
    const handler = load<Handler>('ChatFunction');
    await expect(handler(connectEvent(), lambdaContext())).resolves.toMatchObject({
      statusCode: 401,
    });
    await expect(
      handler(connectEvent({ query: { Authorization: token('alice') } }), lambdaContext()),
    ).resolves.toMatchObject({ statusCode: 200 });
    // A browser's token arrives as a subprotocol and must be echoed, or the browser drops it.
    const fromBrowser = await handler(
      connectEvent({ headers: { 'Sec-WebSocket-Protocol': `bearer, ${token('alice')}` } }),
      lambdaContext(),
    );
    expect(fromBrowser.statusCode).toBe(200);
    expect(fromBrowser.headers?.['Sec-WebSocket-Protocol']).toBe('bearer');
  });

  it('joins a room and fans a message out to its members through the store', async () => {
    const handler = load<Handler>('ChatFunction');
    const alice = 'AliceConnId0=';
    const bob = 'BobConnId000=';
    for (const [connectionId, user] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ]) {
      const connected = await handler(
        connectEvent({ connectionId, query: { Authorization: token(user) } }),
        lambdaContext(),
      );
      expect(connected.statusCode).toBe(200);
      const joined = await handler(
        messageEvent({ connectionId, body: { action: 'join', room: 'lobby' } }),
        lambdaContext(),
      );
      expect(joined.statusCode).toBe(200);
    }
    recorder.reset();

    const sent = await handler(
      messageEvent({
        connectionId: alice,
        body: { action: 'sendMessage', room: 'lobby', text: 'hello from the bundle' },
      }),
      lambdaContext(),
    );
    expect(sent.statusCode).toBe(200);
    expect(recorder.requests.map((post) => post.connectionId).sort()).toEqual([alice, bob].sort());
    for (const post of recorder.requests) {
      expect(post.method).toBe('POST');
      expect(JSON.parse(post.body.toString('utf8'))).toEqual({
        type: 'message',
        room: 'lobby',
        from: 'alice',
        text: 'hello from the bundle',
        at: expect.any(String) as unknown,
        // The sample keeps room history: seqs 1 and 2 were the two "joined" events.
        seq: 3,
      });
    }

    recorder.reset();
    await handler(messageEvent({ connectionId: bob, body: { action: 'whoami' } }), lambdaContext());
    expect(recorder.requests).toHaveLength(1);
    expect(JSON.parse(recorder.requests[0].body.toString('utf8'))).toEqual({
      type: 'whoami',
      userId: 'bob',
      tenantId: 'acme',
      connectionId: bob,
    });
  });

  it('refuses a message from a connection the store does not know', async () => {
    const handler = load<Handler>('ChatFunction');
    const result = await handler(
      messageEvent({ body: { action: 'whoami' }, connectionId: 'StrangerId00=' }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(401);
  });

  it('bundles the $connect authorizer: Allow with the claims for a good token', async () => {
    const authorizer = load<Authorizer>('AuthorizerFunction');
    const allowed = await authorizer(authorizerEvent({ query: { Authorization: token('carol') } }));
    expect(allowed.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(allowed.principalId).toBe('carol');
    await expect(authorizer(authorizerEvent())).rejects.toThrow('Unauthorized');
  });
});
