import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ManagementClient } from 'lift-ws';
import { ConnectionsRecorder } from 'lift-ws/testing';
import { compare } from './measure';

/**
 * Fan-out of one message to a room, against a local @connections server answering after a
 * simulated network round trip (AWS's answer within a region is a few ms). Baselines are what
 * handlers do by hand: a sequential loop, and an unbounded Promise.all on a default SDK client.
 * Every 10th connection is gone; lift-ws reports those, the loops only count rejections.
 */
export async function runFanoutBench(): Promise<void> {
  const recorder = new ConnectionsRecorder({ latencyMs: 3 });
  const { endpoint } = await recorder.start('prod');
  const ids = Array.from({ length: 500 }, (_, i) =>
    Buffer.from(`conn-${String(i).padStart(6, '0')}`).toString('base64'),
  );
  ids.filter((_, i) => i % 10 === 0).forEach((id) => recorder.gone(id));
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const sdk = new ApiGatewayManagementApiClient({ endpoint, region: 'us-east-1', credentials });
  const liftWs = new ManagementClient({
    endpoint,
    region: 'us-east-1',
    credentials: { ...credentials },
    concurrency: 32,
  });
  const payload = JSON.stringify({ type: 'message', room: 'lobby', text: 'hello everyone' });

  const sequential = async (): Promise<number> => {
    let failed = 0;
    for (const id of ids) {
      await sdk
        .send(new PostToConnectionCommand({ ConnectionId: id, Data: payload }))
        .catch(() => failed++);
    }
    return failed;
  };
  const unbounded = async (): Promise<number> => {
    const results = await Promise.allSettled(
      ids.map((id) => sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: payload }))),
    );
    return results.filter((r) => r.status === 'rejected').length;
  };
  const bounded = async (): Promise<number> => {
    const result = await liftWs.broadcast(ids, payload);
    if (result.sent !== 450 || result.gone.length !== 50)
      throw new Error(`unexpected result ${result.sent}/${result.gone.length}`);
    return result.gone.length;
  };

  try {
    await compare(
      `broadcast to ${ids.length} connections (50 gone), 3 ms per @connections answer`,
      [
        { name: 'sequential await loop, default SDK client (baseline)', run: sequential },
        { name: 'Promise.all, default SDK client', run: unbounded },
        { name: 'lift-ws broadcast (32 in flight, keep-alive)', run: bounded },
      ],
      { iterations: 1, rounds: 3, warmup: 1 },
    );
  } finally {
    sdk.destroy();
    liftWs.destroy();
    await recorder.close();
  }
}
