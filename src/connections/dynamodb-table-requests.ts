import type {
  BatchWriteCommandInput,
  DeleteCommandInput,
  DynamoDBDocumentClient,
  QueryCommandInput,
  ScanCommandInput,
  UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { fullJitterDelay } from '../concurrency/backoff';
import { forEachLimited } from '../concurrency/for-each-limited';
import { sleep } from '../concurrency/sleep';
import { errorMessage } from '../errors/error-message';
import { awsErrorName } from './aws-error-name';
import type { DynamoDbSdk } from './dynamodb-sdk';
import type { StoreCallOptions } from './connection-store';
import { StoreCallError } from './store-call-error';

export type Item = Record<string, unknown>;
export interface Key {
  pk: string;
  sk: string;
}
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;
type Condition = Pick<
  DeleteCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** DynamoDB's limit per BatchWriteItem call. */
const BATCH_WRITE_LIMIT = 25;
/** Chunks written at once; each chunk is one request. */
const BATCH_CONCURRENCY = 4;
/** Attempts per chunk while DynamoDB keeps returning UnprocessedItems (throttling). */
const BATCH_MAX_ATTEMPTS = 8;
const BATCH_BACKOFF_BASE_MS = 25;
const BATCH_BACKOFF_MAX_MS = 1000;

/**
 * The requests `DynamoDBConnectionStore` sends to its table, each under a budget: it is aborted
 * at the earlier of the caller's signal (the event's deadline) and `requestTimeoutMs`, the SDK's
 * own retries included, and then fails with a `StoreCallError` naming the request, the store
 * method and the table. Without it a DynamoDB that stops answering held the handler until Lambda
 * killed it.
 *
 * Internal: not exported from the package.
 */
export class DynamoDBTableRequests {
  constructor(
    /** The document client's command classes (the SDK is loaded by whoever builds this). */
    private readonly commands: DynamoDbSdk['documents'],
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly requestTimeoutMs: number,
    private readonly pageSize: number | undefined,
  ) {}

  /** A consistent read: a message can arrive milliseconds after `$connect` saved its record. */
  async getItem(
    key: Key,
    operation: string,
    options?: StoreCallOptions,
  ): Promise<Item | undefined> {
    const result = await this.#call('GetItem', operation, options, (abortSignal) =>
      this.client.send(
        new this.commands.GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
        { abortSignal },
      ),
    );
    return result.Item as Item | undefined;
  }

  async putItem(item: Item, operation: string, options?: StoreCallOptions): Promise<void> {
    await this.#call('PutItem', operation, options, (abortSignal) =>
      this.client.send(new this.commands.PutCommand({ TableName: this.tableName, Item: item }), {
        abortSignal,
      }),
    );
  }

  /**
   * Puts all items in one TransactWriteItems (at most 100). False when the endpoint has no
   * transactions (dynalite answers UnknownOperationException): nothing was written then.
   */
  async putAllOrNothing(
    items: readonly Item[],
    operation: string,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    try {
      await this.#call('TransactWriteItems', operation, options, (abortSignal) =>
        this.client.send(
          new this.commands.TransactWriteCommand({
            TransactItems: items.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'UnknownOperationException') return false;
      throw error;
    }
  }

  /** True when the item was deleted, false when the condition kept it. */
  async deleteItemIf(
    key: Key,
    condition: Condition,
    operation: string,
    options?: StoreCallOptions,
  ): Promise<boolean> {
    try {
      await this.#call('DeleteItem', operation, options, (abortSignal) =>
        this.client.send(
          new this.commands.DeleteCommand({ TableName: this.tableName, Key: key, ...condition }),
          {
            abortSignal,
          },
        ),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** The attributes after the update, or undefined when its condition failed. */
  async updateItemIf(
    input: Omit<UpdateCommandInput, 'TableName'>,
    operation: string,
    options?: StoreCallOptions,
  ): Promise<Item | undefined> {
    try {
      const result = await this.#call('UpdateItem', operation, options, (abortSignal) =>
        this.client.send(new this.commands.UpdateCommand({ TableName: this.tableName, ...input }), {
          abortSignal,
        }),
      );
      return (result.Attributes as Item | undefined) ?? {};
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Every page of a query, fetched lazily: DynamoDB stops each page at 1 MB or `Limit`. Each
   * page is its own request under the signal, so an aborted listing stops between pages.
   */
  async *queryPages(
    input: QueryInput,
    operation: string,
    options?: StoreCallOptions,
  ): AsyncGenerator<Item[]> {
    let startKey: Item | undefined;
    do {
      const page = await this.#call('Query', operation, options, (abortSignal) =>
        this.client.send(
          new this.commands.QueryCommand({
            ...input,
            TableName: this.tableName,
            Limit: this.pageSize,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal },
        ),
      );
      // A filtered page can be empty and still not be the last one.
      yield (page.Items ?? []) as Item[];
      startKey = page.LastEvaluatedKey as Item | undefined;
    } while (startKey);
  }

  /** The total `Count` of a paginated `Select: COUNT` scan. */
  async scanCount(
    input: Omit<ScanCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey' | 'Select'>,
    operation: string,
    options?: StoreCallOptions,
  ): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.#call('Scan', operation, options, (abortSignal) =>
        this.client.send(
          new this.commands.ScanCommand({
            ...input,
            TableName: this.tableName,
            Select: 'COUNT',
            Limit: this.pageSize,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal },
        ),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey as Item | undefined;
    } while (startKey);
    return total;
  }

  /** BatchWriteItem in chunks of 25, retrying UnprocessedItems with capped, jittered backoff. */
  async batchWrite(
    requests: readonly WriteRequest[],
    operation: string,
    options?: StoreCallOptions,
    concurrency = BATCH_CONCURRENCY,
  ): Promise<void> {
    // One request may not name the same key twice.
    const unique = new Map<string, WriteRequest>();
    for (const request of requests) unique.set(requestKey(request), request);
    const all = [...unique.values()];
    const chunks: WriteRequest[][] = [];
    for (let start = 0; start < all.length; start += BATCH_WRITE_LIMIT) {
      chunks.push(all.slice(start, start + BATCH_WRITE_LIMIT));
    }
    await forEachLimited(chunks, concurrency, (chunk) =>
      this.#writeChunk(chunk, operation, options),
    );
  }

  async #writeChunk(
    chunk: WriteRequest[],
    operation: string,
    options: StoreCallOptions | undefined,
  ): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#call('BatchWriteItem', operation, options, (abortSignal) =>
        this.client.send(
          new this.commands.BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
          {
            abortSignal,
          },
        ),
      );
      const unprocessed = result.UnprocessedItems?.[this.tableName] ?? [];
      if (unprocessed.length === 0) return;
      if (attempt >= BATCH_MAX_ATTEMPTS) {
        throw new Error(
          `BatchWriteItem on ${this.tableName}: ${unprocessed.length} of ${chunk.length} writes ` +
            `still unprocessed after ${attempt} attempts`,
        );
      }
      pending = unprocessed;
      // Unprocessed items mean throttling: back off, with full jitter so Lambdas spread out.
      // The sleep ends early when the signal fires; the next call then fails as aborted.
      await sleep(
        fullJitterDelay(attempt, BATCH_BACKOFF_BASE_MS, BATCH_BACKOFF_MAX_MS),
        options?.signal,
      );
    }
  }

  async #call<T>(
    command: string,
    operation: string,
    options: StoreCallOptions | undefined,
    request: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const label = `DynamoDB ${command} (${operation})`;
    const where = `table ${this.tableName}`;
    const caller = options?.signal;
    if (caller?.aborted) throw StoreCallError.aborted(label, where, caller);
    // AbortSignal.timeout's timer is unref'd: a pending call never keeps the process alive.
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      return await request(caller ? AbortSignal.any([caller, timeout]) : timeout);
    } catch (error) {
      if (caller?.aborted) throw StoreCallError.aborted(label, where, caller);
      if (timeout.aborted) {
        throw new StoreCallError(
          `${label} on ${where} timed out after ${this.requestTimeoutMs} ms: ${errorMessage(error)}`,
          operation,
          'timeout',
          { cause: error },
        );
      }
      throw error;
    }
  }
}

function requestKey(request: WriteRequest): string {
  const key = (request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {}) as Item;
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return awsErrorName(error) === 'ConditionalCheckFailedException';
}
