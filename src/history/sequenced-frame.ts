import type { MessageData } from '../management/management-api';
import { roomFrameTypes } from './room-frames';

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How a room message goes out once it has its seq, with its place in the room: a JSON object gets `room`
 * and `seq` beside its own fields (what `emitToRoom` and most `broadcastToRoom` calls send);
 * anything else (text that is not a JSON object, bytes) is wrapped in
 * `{"type":"room-message","room","seq","text"|"base64"}`. Built once, before the fan-out
 * splits, so inline sends, SQS fan-out workers and replays post the same bytes.
 * @internal
 */
export function sequencedFrame(data: MessageData | object, room: string): (seq: number) => string {
  if (data instanceof Uint8Array) {
    const base64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    return (seq) => JSON.stringify({ type: roomFrameTypes.message, room, seq, base64 });
  }
  const payload = typeof data === 'string' ? parsedObject(data) : data;
  if (!isJsonObject(payload)) {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    if (text === undefined) throw new TypeError('broadcastToRoom: the data has no JSON form');
    return (seq) => JSON.stringify({ type: roomFrameTypes.message, room, seq, text });
  }
  // Checked before a seq is allocated: a refused payload leaves no hole in the room's order.
  if ('seq' in payload) {
    throw new TypeError(`broadcastToRoom(${room}): "seq" is set by room history`);
  }
  if ('room' in payload && payload.room !== room) {
    throw new TypeError(
      `broadcastToRoom(${room}): the payload's "room" names another room; room history sets it`,
    );
  }
  return (seq) => JSON.stringify({ ...payload, room, seq });
}

/** A string that holds a JSON object, parsed; undefined for any other text. */
function parsedObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
