import {
  bootstrap,
  OnConnect,
  OnMessage,
  WebSocketController,
  WebSocketContext,
  WsError,
  type BootstrapOptions,
} from 'lift-ws';
import { connectEvent, disconnectEvent, lambdaContext, messageEvent } from 'lift-ws/testing';
import { captureLogger } from '../support/capture-logger';
import { useConnectionsRecorder } from '../support/recorder-fixture';

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

const UNITS = new Set(['Count', 'Milliseconds', 'Bytes', 'Seconds', 'None']);

/** Checks a line against the Embedded Metric Format specification's rules. */
function assertEmf(line: EmfLine): void {
  expect(typeof line._aws.Timestamp).toBe('number');
  expect(Array.isArray(line._aws.CloudWatchMetrics)).toBe(true);
  for (const directive of line._aws.CloudWatchMetrics) {
    expect(typeof directive.Namespace).toBe('string');
    expect(directive.Namespace.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    for (const dimensionSet of directive.Dimensions) {
      expect(dimensionSet.length).toBeLessThanOrEqual(30);
      // Every dimension named must be a string member of the root object.
      for (const name of dimensionSet) expect(typeof line[name]).toBe('string');
    }
    for (const metric of directive.Metrics) {
      expect(UNITS.has(metric.Unit)).toBe(true);
      // Every metric named must be a number member of the root object.
      expect(typeof line[metric.Name]).toBe('number');
    }
  }
}

describe('EMF metrics', () => {
  const fixture = useConnectionsRecorder();
  const { recorder } = fixture;

  function setup(metrics: BootstrapOptions['metrics'] | undefined) {
    const lines: EmfLine[] = [];
    @WebSocketController()
    class Chat {
      @OnConnect() connect() {}
      @OnMessage('say') async say(ctx: WebSocketContext) {
        await ctx.send('hello');
        await ctx.broadcast(['QTAwMDAwMDAwMDE=', 'QjAwMDAwMDAwMDE='], 'all');
      }
      @OnMessage('fail') fail() {
        throw new WsError(409, 'ROOM_FULL', 'full');
      }
    }
    const options = metrics === undefined ? {} : { metrics };
    const handler = bootstrap([Chat], {
      managementEndpoint: fixture.endpoint,
      logger: captureLogger().logger,
      errorFrames: false,
      ...options,
    });
    return { handler, lines };
  }

  it('writes one valid EMF line per event with counts, latency, bytes and fan-out', async () => {
    const lines: EmfLine[] = [];
    const { handler } = setup({
      namespace: 'Chat',
      service: 'chat-api',
      dimensions: { Stage: 'prod' },
      write: (line) => lines.push(JSON.parse(line) as EmfLine),
    });
    recorder.script('QjAwMDAwMDAwMDE=', 'gone');
    await handler(connectEvent(), lambdaContext());
    const body = JSON.stringify({ action: 'say', text: 'x' });
    await handler(messageEvent(body), lambdaContext());
    await handler(messageEvent({ body: { action: 'fail' } }), lambdaContext());
    await handler(
      messageEvent({ body: { action: 'unknown-client-chosen-name' } }),
      lambdaContext(),
    );
    await handler(disconnectEvent(), lambdaContext());
    expect(lines).toHaveLength(5);
    lines.forEach(assertEmf);
    const [connect, say, fail, unknown, disconnect] = lines;
    expect(connect).toMatchObject({
      Service: 'chat-api',
      Stage: 'prod',
      Route: '$connect',
      Connects: 1,
    });
    expect(connect._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Chat',
      Dimensions: [
        ['Service', 'Stage'],
        ['Service', 'Stage', 'Route'],
      ],
    });
    expect(say).toMatchObject({
      Route: 'say',
      Messages: 1,
      BytesIn: Buffer.byteLength(body),
      BytesOut: 'hello'.length + 'all'.length,
      MessagesOut: 2,
      FanoutSent: 1,
      FanoutGone: 1,
      FanoutFailed: 0,
      StatusCode: 200,
    });
    expect(say.Latency).toBeGreaterThanOrEqual(0);
    expect(say.Errors).toBeUndefined();
    expect(fail).toMatchObject({
      Route: 'fail',
      Errors: 1,
      ErrorCode: 'ROOM_FULL',
      StatusCode: 409,
    });
    expect(fail._aws.CloudWatchMetrics[1]).toMatchObject({
      Metrics: [{ Name: 'Errors', Unit: 'Count' }],
    });
    // A client-chosen action never becomes a dimension value.
    expect(unknown).toMatchObject({ Route: '$default', ErrorCode: 'NOT_FOUND' });
    expect(disconnect).toMatchObject({ Route: '$disconnect', Disconnects: 1 });
  });

  it('is off unless enabled', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => {
      writes.push(String(chunk));
      return original(chunk, ...rest);
    };
    try {
      const { handler } = setup(undefined);
      await handler(connectEvent(), lambdaContext());
    } finally {
      process.stdout.write = original;
    }
    expect(writes.some((line) => line.includes('CloudWatchMetrics'))).toBe(false);
  });

  it('writes to stdout when enabled with true', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    };
    try {
      const { handler } = setup(true);
      await handler(connectEvent(), lambdaContext());
    } finally {
      process.stdout.write = original;
    }
    const line = writes.find((chunk) => chunk.includes('CloudWatchMetrics'));
    expect(line).toBeDefined();
    const parsed = JSON.parse(line!) as EmfLine;
    assertEmf(parsed);
    expect(parsed._aws.CloudWatchMetrics[0].Namespace).toBe('LiftWs');
  });

  it('refuses bad dimensions at bootstrap', () => {
    expect(() => setup({ dimensions: { Stage: '' } })).toThrow(
      'metrics: dimension Stage must be a non-empty string',
    );
  });
});
