import { WsError } from '../../src/errors/ws-error';

/** The WsError a call fails with; anything else (or success) fails the test. */
export async function failureOf(promise: Promise<unknown>): Promise<WsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WsError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
