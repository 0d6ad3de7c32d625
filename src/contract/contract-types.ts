import type { StandardSchemaV1 } from '@standard-schema/spec';

/** What one action of {@link defineContract} is written as: the body schema and, when it answers, the reply schema. */
export interface ActionSchemas {
  /** The message body (the frame's fields besides `action` and `id`). */
  readonly body: StandardSchemaV1;
  /** What a `client.request(...)` of this action resolves with. */
  readonly reply?: StandardSchemaV1;
}

/** The argument of {@link defineContract}. */
export interface ContractDefinition {
  readonly actions?: Readonly<Record<string, ActionSchemas>>;
  readonly events?: Readonly<Record<string, StandardSchemaV1>>;
}

/** One action of a contract; it knows its name, so `@OnMessage(chat.actions.sendMessage)` needs no string. */
export interface ContractAction<
  Name extends string = string,
  Body extends StandardSchemaV1 = StandardSchemaV1,
  Reply extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
> {
  readonly kind: 'action';
  readonly name: Name;
  readonly body: Body;
  readonly reply: Reply;
}

/** One event (a server-to-client frame `{"type": name, ...payload}`) of a contract. */
export interface ContractEvent<
  Name extends string = string,
  Schema extends StandardSchemaV1 = StandardSchemaV1,
> {
  readonly kind: 'event';
  readonly name: Name;
  readonly schema: Schema;
}

type ReplyOf<A extends ActionSchemas> = A extends {
  readonly reply: infer R extends StandardSchemaV1;
}
  ? R
  : undefined;

/** The frozen object {@link defineContract} returns, shared by server and client. */
export interface Contract<
  Actions extends Readonly<Record<string, ActionSchemas>> = Readonly<Record<string, ActionSchemas>>,
  Events extends Readonly<Record<string, StandardSchemaV1>> = Readonly<
    Record<string, StandardSchemaV1>
  >,
> {
  readonly kind: 'contract';
  readonly actions: {
    readonly [K in keyof Actions & string]: ContractAction<
      K,
      Actions[K]['body'],
      ReplyOf<Actions[K]>
    >;
  };
  readonly events: { readonly [K in keyof Events & string]: ContractEvent<K, Events[K]> };
}

/** Names of a contract's actions. */
export type ActionName<C extends Contract> = keyof C['actions'] & string;
/** Names of a contract's events. */
export type EventName<C extends Contract> = keyof C['events'] & string;

/** What a sender passes as an action's body (the schema's input). */
export type ActionBody<C extends Contract, A extends ActionName<C>> = StandardSchemaV1.InferInput<
  C['actions'][A]['body']
>;

/** What a request of the action resolves with: the reply schema's output, `undefined` without one. */
export type ActionReply<
  C extends Contract,
  A extends ActionName<C>,
> = C['actions'][A]['reply'] extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<C['actions'][A]['reply']>
  : undefined;

/** An event's payload as a receiver sees it (the schema's output). */
export type EventPayload<C extends Contract, E extends EventName<C>> = StandardSchemaV1.InferOutput<
  C['events'][E]['schema']
>;
