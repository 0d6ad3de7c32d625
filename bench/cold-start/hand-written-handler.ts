import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import jwt from 'jsonwebtoken';

/**
 * The cold-start baseline: what a team writes by hand with the same dependencies as the chat
 * sample (the management API client, the DynamoDB document client, jsonwebtoken), created at
 * module scope as such handlers usually do. `$connect` verifies the token from the query string.
 */
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const clients = new Map<string, ApiGatewayManagementApiClient>();
const table = process.env.CONNECTIONS_TABLE;

interface Event {
  requestContext: { routeKey: string; connectionId: string; domainName: string; stage: string };
  queryStringParameters?: Record<string, string> | null;
  body?: string | null;
}

export async function handler(event: Event): Promise<{ statusCode: number; body?: string }> {
  const { routeKey, connectionId, domainName, stage } = event.requestContext;
  if (routeKey === '$connect') {
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(
        event.queryStringParameters?.Authorization ?? '',
        process.env.JWT_SECRET!,
        {
          algorithms: ['HS256'],
          issuer: process.env.JWT_ISSUER,
          audience: process.env.JWT_AUDIENCE,
        },
      ) as jwt.JwtPayload;
    } catch {
      return { statusCode: 401 };
    }
    if (table)
      await documents.send(new PutCommand({ TableName: table, Item: { connectionId, claims } }));
    return { statusCode: 200 };
  }
  if (routeKey === '$disconnect') return { statusCode: 200 };
  const endpoint = `https://${domainName}/${stage}`;
  let client = clients.get(endpoint);
  if (!client) clients.set(endpoint, (client = new ApiGatewayManagementApiClient({ endpoint })));
  await client.send(
    new PostToConnectionCommand({ ConnectionId: connectionId, Data: event.body ?? '' }),
  );
  return { statusCode: 200 };
}
