import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SqsQueue } from './sqs-queue';

/** SQS's limit per message (raised from 256 KiB to 1 MiB in 2025). */
const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_REQUEST_BYTES = 11 * MAX_MESSAGE_BYTES;

/**
 * The part of the SQS JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`) that the real
 * `@aws-sdk/client-sqs` uses to enqueue: SendMessage and SendMessageBatch. Queues are named by
 * the last segment of the QueueUrl.
 */
export class SqsApi {
  #server: Server | undefined;
  #url = '';
  readonly #queues: ReadonlyMap<string, SqsQueue>;

  constructor(queues: ReadonlyMap<string, SqsQueue>) {
    this.#queues = queues;
  }

  async start(): Promise<string> {
    const server = createServer((request, response) => void this.#handle(request, response));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  /** The SQS endpoint a client is given (`new SQSClient({ endpoint })`). */
  get endpoint(): string {
    return this.#url;
  }

  /** The URL a queue is addressed by. */
  queueUrl(name: string): string {
    return `${this.#url}/000000000000/${name}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) return answer(response, 413, error('RequestTooLarge'));
      chunks.push(chunk);
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return answer(response, 400, error('InvalidParameterValue', 'body is not JSON'));
    }
    const queueUrl = typeof input.QueueUrl === 'string' ? input.QueueUrl : '';
    const queue = this.#queues.get(queueUrl.split('/').pop() ?? '');
    if (!queue) return answer(response, 400, error('QueueDoesNotExist', 'no such queue'));
    if (target === 'AmazonSQS.SendMessage') {
      const body = input.MessageBody;
      if (typeof body !== 'string' || Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
        return answer(response, 400, error('InvalidParameterValue', 'MessageBody'));
      }
      return answer(response, 200, { MessageId: queue.send(body), MD5OfMessageBody: md5(body) });
    }
    if (target === 'AmazonSQS.SendMessageBatch') {
      const entries = Array.isArray(input.Entries) ? (input.Entries as unknown[]) : [];
      if (entries.length === 0 || entries.length > 10) {
        return answer(response, 400, error('TooManyEntriesInBatchRequest', 'Entries'));
      }
      const Successful: object[] = [];
      const Failed: object[] = [];
      for (const entry of entries as Array<{ Id?: unknown; MessageBody?: unknown }>) {
        const body = entry.MessageBody;
        if (typeof body !== 'string' || Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
          Failed.push({ Id: entry.Id, Code: 'InvalidParameterValue', SenderFault: true });
          continue;
        }
        Successful.push({ Id: entry.Id, MessageId: queue.send(body), MD5OfMessageBody: md5(body) });
      }
      return answer(response, 200, { Successful, Failed });
    }
    answer(response, 400, error('InvalidAction', `unsupported ${target}`));
  }
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function error(type: string, message = type): object {
  return { __type: `com.amazonaws.sqs#${type}`, message };
}

function answer(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify(body));
}
