import { createChatHandler } from './create-chat-handler';

/**
 * The Lambda entry point of template.yaml (`handler.handler`): built once per cold start, with
 * the DynamoDB store when `CONNECTIONS_TABLE` is set.
 */
export const handler = createChatHandler();
