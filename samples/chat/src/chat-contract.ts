// From lift-ws/client: the page bundles this file, and that entry loads no server code.
import { defineContract } from 'lift-ws/client';
import { z } from 'zod';

/** Who did what when: every room event carries an ISO-8601 time stamped by the server. */
const at = z.string();

/**
 * The chat's messages, shared by the Lambda (route binding and validation) and the page
 * (`lift-ws/client`, bundled with esbuild). The schemas check shapes only: the room-name and
 * text-length rules stay in the controller, whose `BAD_REQUEST` messages the page shows as they
 * are.
 *
 * @example
 * const client = createClient(chatContract, { url, token });
 * const { delivered } = await client.request('sendMessage', { room: 'lobby', text: 'hi' });
 */
export const chatContract = defineContract({
  actions: {
    join: { body: z.object({ room: z.string() }) },
    leave: { body: z.object({ room: z.string() }) },
    sendMessage: {
      body: z.object({ room: z.string(), text: z.string() }),
      /** `delivered`: members the room fan-out reached, the sender included. */
      reply: z.object({ room: z.string(), at, delivered: z.number().int() }),
    },
    whoami: { body: z.object({}) },
  },
  events: {
    joined: z.object({ room: z.string(), user: z.string(), at }),
    left: z.object({ room: z.string(), user: z.string(), at }),
    message: z.object({ room: z.string(), from: z.string(), text: z.string(), at }),
    whoami: z.object({
      userId: z.string().optional(),
      tenantId: z.string().optional(),
      connectionId: z.string(),
    }),
  },
});

/** The contract's type, for code that takes the chat's client or contract as a parameter. */
export type ChatContract = typeof chatContract;
