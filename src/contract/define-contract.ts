import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isPlainObject } from '../validation/is-plain-object';
import type {
  ActionSchemas,
  Contract,
  ContractAction,
  ContractDefinition,
  ContractEvent,
} from './contract-types';
import { isStandardSchema } from './is-standard-schema';

/** API Gateway's own route keys cannot name an action or event. */
const RESERVED_NAMES = new Set(['$connect', '$disconnect', '$default']);

function checkSchema(schema: unknown, where: string): StandardSchemaV1 {
  if (!isStandardSchema(schema)) {
    throw new TypeError(
      `defineContract: ${where} must be a Standard Schema v1 validator (zod, valibot, arktype...)`,
    );
  }
  return schema;
}

function entriesOf(value: unknown, where: string): Array<[string, unknown]> {
  if (value === undefined) return [];
  if (!isPlainObject(value)) throw new TypeError(`defineContract: ${where} must be an object`);
  return Object.entries(value).map(([name, entry]) => {
    if (name.length === 0 || RESERVED_NAMES.has(name)) {
      throw new TypeError(`defineContract: "${name}" cannot name ${where.replace(/s$/, '')}`);
    }
    return [name, entry];
  });
}

/**
 * Declares the messages of an API once, for server and client: each action's body (and reply)
 * and each event's payload as a Standard Schema v1 validator. Only the schemas' types and
 * their `~standard.validate` are used, so no validator library is a dependency of lift-ws.
 *
 * @example
 * import { z } from 'zod';
 * export const chat = defineContract({
 *   actions: {
 *     sendMessage: { body: z.object({ room: z.string(), text: z.string() }), reply: z.object({ at: z.string() }) },
 *   },
 *   events: { message: z.object({ room: z.string(), text: z.string(), user: z.string() }) },
 * });
 * chat.actions.sendMessage.name; // 'sendMessage'
 */
export function defineContract<
  const Actions extends Readonly<Record<string, ActionSchemas>> = Record<never, ActionSchemas>,
  const Events extends Readonly<Record<string, StandardSchemaV1>> = Record<never, StandardSchemaV1>,
>(definition: { readonly actions?: Actions; readonly events?: Events }): Contract<Actions, Events> {
  if (!isPlainObject(definition)) {
    throw new TypeError('defineContract needs an object: { actions: {...}, events: {...} }');
  }
  const given: ContractDefinition = definition;
  const actions: Record<string, ContractAction> = Object.create(null) as Record<
    string,
    ContractAction
  >;
  for (const [name, entry] of entriesOf(given.actions, 'actions')) {
    if (!isPlainObject(entry)) {
      throw new TypeError(
        `defineContract: actions.${name} must be { body: schema, reply?: schema }`,
      );
    }
    const body = checkSchema(entry.body, `actions.${name}.body`);
    const reply =
      entry.reply === undefined ? undefined : checkSchema(entry.reply, `actions.${name}.reply`);
    actions[name] = Object.freeze({ kind: 'action', name, body, reply });
  }
  const events: Record<string, ContractEvent> = Object.create(null) as Record<
    string,
    ContractEvent
  >;
  for (const [name, schema] of entriesOf(given.events, 'events')) {
    events[name] = Object.freeze({
      kind: 'event',
      name,
      schema: checkSchema(schema, `events.${name}`),
    });
  }
  return Object.freeze({
    kind: 'contract',
    actions: Object.freeze(actions),
    events: Object.freeze(events),
  }) as unknown as Contract<Actions, Events>;
}
