import { z } from 'zod';

/**
 * The cold-start baseline: the hand-written handler with zod for the message bodies, plus the
 * rest of the chat sample's contract (the `sendMessage` reply and the four events). A
 * hand-written app shares its message schemas with its browser client the same way, in one
 * file whose every schema is built when the handler imports it. Nothing on `$connect` uses
 * these; they are cold-start cost in the sample and here alike.
 */
export { handler } from './hand-written-zod-handler';

const at = z.string();

export const replies = {
  sendMessage: z.object({ room: z.string(), at, delivered: z.number().int() }),
};

export const events = {
  joined: z.object({ room: z.string(), user: z.string(), at }),
  left: z.object({ room: z.string(), user: z.string(), at }),
  message: z.object({ room: z.string(), from: z.string(), text: z.string(), at }),
  whoami: z.object({
    userId: z.string().optional(),
    tenantId: z.string().optional(),
    connectionId: z.string(),
  }),
};
