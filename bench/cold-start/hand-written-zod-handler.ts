import { z } from 'zod';
import { handler as withoutZod } from './hand-written-handler';

export type Event = Parameters<typeof withoutZod>[0];
export type Handler = (event: Event) => Promise<{ statusCode: number; body?: string }>;

/**
 * The hand-written handler (management API client, DynamoDB document client, jsonwebtoken)
 * plus zod checking each message body against its action's schema.
 */
export function checkingBodies(actions: Readonly<Record<string, z.ZodType>>): Handler {
  return async (event) => {
    const routeKey = event.requestContext.routeKey;
    if (routeKey !== '$connect' && routeKey !== '$disconnect') {
      let body: { action?: string } | undefined;
      try {
        body = JSON.parse(event.body ?? '') as { action?: string };
      } catch {
        return { statusCode: 400 };
      }
      const schema = Object.hasOwn(actions, body?.action ?? '')
        ? actions[body?.action ?? '']
        : undefined;
      if (!schema || !schema.safeParse(body).success) return { statusCode: 400 };
    }
    return withoutZod(event);
  };
}

/**
 * With the sample's body schemas only, built at module scope. The baseline imports the
 * sample's whole contract instead: hand-written-contract-handler.ts.
 */
export const handler = checkingBodies({
  join: z.object({ room: z.string() }),
  leave: z.object({ room: z.string() }),
  sendMessage: z.object({ room: z.string(), text: z.string() }),
  whoami: z.object({}),
});
