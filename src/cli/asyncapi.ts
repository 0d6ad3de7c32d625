import type { Contract } from '../contract/contract-types';
import { schemaToJsonSchema, type JsonSchema } from './schema-to-json-schema';

/** What `buildAsyncApi` needs besides the contract. */
export interface AsyncApiOptions {
  title: string;
  version: string;
  /** JwtAuth guards `$connect`: the document gets its security scheme. */
  jwt: boolean;
  /** The route selection field (bootstrap's `actionField`). Default `action`. */
  actionField?: string;
}

const CHANNEL = 'api';
const channelRef = { $ref: `#/channels/${CHANNEL}` };
const messageRef = (key: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${key}` });

/**
 * The frame as it travels: the discriminating field (`action` or `type`) and the optional
 * request `id` beside the schema's own fields. Merged into an object schema when the body is
 * one, so an `additionalProperties: false` body still admits them.
 */
function framed(body: JsonSchema, fields: Record<string, JsonSchema>, required: string[]) {
  const properties = body.properties;
  if (body.type === 'object' && (properties === undefined || typeof properties === 'object')) {
    const own = Array.isArray(body.required) ? (body.required as string[]) : [];
    return {
      ...body,
      properties: { ...fields, ...(properties as Record<string, JsonSchema> | undefined) },
      required: [...required, ...own.filter((name) => !required.includes(name))],
    };
  }
  return { allOf: [{ type: 'object', properties: fields, required }, body] };
}

/**
 * An AsyncAPI 3.0 document of a lift-ws API: one channel (API Gateway's connection), a
 * `receive` operation per contract action (with its reply when it has one), a `send` operation
 * per event, payloads as JSON Schema from the schemas' vendors.
 *
 * @example
 * const doc = buildAsyncApi(chatContract, { title: 'chat', version: '1.0.0', jwt: true });
 */
export function buildAsyncApi(contract: Contract, options: AsyncApiOptions): JsonSchema {
  const field = options.actionField ?? 'action';
  const messages: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const idField = {
    type: 'string',
    description: 'Set by client.request(): the reply carries it back.',
  };
  for (const action of Object.values(contract.actions)) {
    const key = `action.${action.name}`;
    messages[key] = {
      name: action.name,
      title: `${action.name} (client to server)`,
      payload: framed(
        schemaToJsonSchema(action.body),
        { [field]: { const: action.name }, id: idField },
        [field],
      ),
    };
    const operation: JsonSchema = {
      action: 'receive',
      channel: channelRef,
      summary: `The client sends {"${field}":"${action.name}", ...}.`,
      messages: [messageRef(key)],
    };
    if (action.reply) {
      const replyKey = `reply.${action.name}`;
      messages[replyKey] = {
        name: `${action.name}Reply`,
        title: `reply to ${action.name}`,
        payload: {
          type: 'object',
          properties: {
            type: { const: 'reply' },
            id: { type: 'string' },
            body: schemaToJsonSchema(action.reply),
          },
          required: ['type', 'id'],
        },
      };
      operation.reply = { channel: channelRef, messages: [messageRef(replyKey)] };
    }
    operations[`receive.${action.name}`] = operation;
  }
  for (const event of Object.values(contract.events)) {
    const key = `event.${event.name}`;
    messages[key] = {
      name: event.name,
      title: `${event.name} (server to client)`,
      payload: framed(schemaToJsonSchema(event.schema), { type: { const: event.name } }, ['type']),
    };
    operations[`send.${event.name}`] = {
      action: 'send',
      channel: channelRef,
      summary: `The server sends {"type":"${event.name}", ...}.`,
      messages: [messageRef(key)],
    };
  }
  const security = options.jwt ? [{ $ref: '#/components/securitySchemes/jwt' }] : undefined;
  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title,
      version: options.version,
      description: 'An API Gateway WebSocket API served by lift-ws.',
    },
    defaultContentType: 'application/json',
    servers: {
      aws: {
        host: '{apiId}.execute-api.{region}.amazonaws.com',
        pathname: '/{stage}',
        protocol: 'wss',
        variables: { apiId: {}, region: {}, stage: {} },
        ...(security ? { security } : {}),
      },
    },
    channels: { [CHANNEL]: { address: '/', messages } },
    operations,
    ...(security
      ? {
          components: {
            securitySchemes: {
              jwt: {
                type: 'httpApiKey',
                name: 'Authorization',
                in: 'query',
                description:
                  'A JWT checked by JwtAuth on $connect: the Authorization query parameter, ' +
                  'an Authorization: Bearer header, or the subprotocols ["bearer", token] ' +
                  '(what browsers and lift-ws/client send).',
              },
            },
          },
        }
      : {}),
  };
}
