import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManagementClient } from '../../src/management/management-client';

/**
 * The lean PostToConnection path must be signed exactly as AWS checks it. This server verifies
 * SigV4 by the book, independently of the signer library the client uses: the canonical path
 * URI-encodes each segment of the path as sent once more (so the id ends up encoded twice, as for
 * every service but S3), and the SDK's own request passes the same check.
 */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, sessionToken: 'tok/+=' };

interface Checked {
  ok: boolean;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('the lean PostToConnection path', () => {
  let server: Server;
  let endpoint: string;
  const checked: Checked[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const ok = verify(req, body, 'eu-west-1');
        checked.push({ ok, path: req.url ?? '', headers: req.headers, body: body.toString() });
        res.writeHead(ok ? 200 : 403, { 'content-length': '0' }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("accepts the SDK's own PostToConnection (the check itself is right)", async () => {
    const sdk = new ApiGatewayManagementApiClient({
      endpoint,
      region: 'eu-west-1',
      credentials: CREDENTIALS,
    });
    try {
      await sdk.send(new PostToConnectionCommand({ ConnectionId: 'sdk=', Data: Buffer.from('x') }));
    } finally {
      sdk.destroy();
    }
    expect(checked.splice(0).map((c) => c.ok)).toEqual([true]);
  });

  it('is signed as SigV4 requires, session token included, for ids that need escaping', async () => {
    const client = new ManagementClient({
      endpoint,
      region: 'eu-west-1',
      credentials: CREDENTIALS,
    });
    try {
      await client.post("Ab+/cd=='!*()", 'héllo');
      await client.broadcast(['x1=', 'x2=', 'x1='], 'fan');
    } finally {
      client.destroy();
    }
    expect(checked.map((c) => c.ok)).toEqual([true, true, true]);
    expect(checked[0]).toMatchObject({
      path: '/prod/@connections/Ab%2B%2Fcd%3D%3D%27%21%2A%28%29',
      body: 'héllo',
    });
    expect(checked[0].headers['x-amz-security-token']).toBe('tok/+=');
    expect(checked[0].headers.authorization).toContain('/eu-west-1/execute-api/aws4_request');
  });
});

describe('keep-alive sockets of the lean path', () => {
  it('an error answer read to its end leaves its socket in the pool for the next post', async () => {
    let connections = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.once('end', () => {
        const body = JSON.stringify({ message: 'Connection is gone' });
        res
          .writeHead(410, {
            'x-amzn-ErrorType': 'GoneException',
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          })
          .end(body);
      });
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const client = new ManagementClient({
      endpoint: `http://127.0.0.1:${port}/prod`,
      region: 'us-east-1',
      credentials: CREDENTIALS,
    });
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `g${i}=`);
      const result = await client.broadcast(ids, 'x', { concurrency: 1 });
      expect(result.gone).toHaveLength(20);
      expect(connections).toBe(1);
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

function verify(req: IncomingMessage, body: Buffer, region: string): boolean {
  const authorization = req.headers.authorization ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return false;
  const [, keyId, day, signedRegion, service, signedHeaders, signature] = match;
  if (keyId !== CREDENTIALS.accessKeyId || signedRegion !== region || service !== 'execute-api')
    return false;
  const amzDate = String(req.headers['x-amz-date']);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  if (req.headers['x-amz-content-sha256'] !== payloadHash) return false;
  const path = (req.url ?? '').split('?')[0];
  const canonicalPath = path
    .split('/')
    .map((segment) => rfc3986(segment))
    .join('/');
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return false;
  const canonicalHeaders = names.map((name) => `${name}:${String(req.headers[name]).trim()}\n`);
  const canonicalRequest = [
    req.method,
    canonicalPath,
    '',
    canonicalHeaders.join(''),
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/execute-api/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = Buffer.from(`AWS4${SECRET}`);
  for (const part of [day, region, 'execute-api', 'aws4_request']) {
    key = createHmac('sha256', key).update(part).digest();
  }
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature;
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
