import type { z } from 'zod';
import { chatContract } from '../../samples/chat/src/chat-contract';
import { checkingBodies, type Handler } from './hand-written-zod-handler';

/**
 * The cold-start baseline: the hand-written handler checking bodies with zod, against the chat
 * sample's own contract file, which a hand-written app would share with its browser client the
 * same way. Importing it builds every schema in it (bodies, the `sendMessage` reply, the four
 * events), as it does for the sample; its `defineContract` (lift-ws/client, no dependencies)
 * only checks and freezes the entries.
 */
export const handler: Handler = checkingBodies(
  Object.fromEntries(
    Object.values(chatContract.actions).map((action) => [action.name, action.body as z.ZodType]),
  ),
);
