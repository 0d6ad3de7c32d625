import { z } from 'zod';
import { handler as withoutZod } from './hand-written-handler';

/**
 * The hand-written handler (management API client, DynamoDB document client, jsonwebtoken)
 * plus zod checking message bodies against the sample's body schemas, built at module scope.
 * The baseline adds the rest of the sample's contract: hand-written-contract-handler.ts.
 */
const actions: Record<string, z.ZodType> = {
  join: z.object({ room: z.string() }),
  leave: z.object({ room: z.string() }),
  sendMessage: z.object({ room: z.string(), text: z.string() }),
  whoami: z.object({}),
};

type Event = Parameters<typeof withoutZod>[0];

export async function handler(event: Event): Promise<{ statusCode: number; body?: string }> {
  const routeKey = event.requestContext.routeKey;
  if (routeKey !== '$connect' && routeKey !== '$disconnect') {
    let body: { action?: string } | undefined;
    try {
      body = JSON.parse(event.body ?? '') as { action?: string };
    } catch {
      return { statusCode: 400 };
    }
    const schema = actions[body?.action ?? ''];
    if (!schema || !schema.safeParse(body).success) return { statusCode: 400 };
  }
  return withoutZod(event);
}
