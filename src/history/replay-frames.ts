import type { HistoryRetention, RoomHistory } from '../connections/connection-store';
import { roomFrameTypes } from './room-frames';

/**
 * What a join posts to the joining connection, in order: for a resume, the kept messages after
 * `afterSeq` with a `resume-gap` before each run of seqs the history no longer has; then one
 * `room-sync` with the room's latest seq, which tells a fresh joiner where it starts.
 *
 * Seqs after the last kept message are not reported as a gap: a message whose seq was allocated
 * but whose history write is still under way arrives live. The client asks again if one never
 * does (lift-ws/client does, then reports the gap itself).
 * @internal
 */
export function* replayFrames(
  room: string,
  afterSeq: number | undefined,
  history: RoomHistory,
  retention: HistoryRetention,
): Generator<string, void> {
  const { latestSeq, messages } = history;
  if (afterSeq !== undefined) {
    let expected = afterSeq + 1;
    // Seqs before the room's last maxMessages are gone for certain, kept or not.
    const trimmedTo = latestSeq - retention.maxMessages;
    if (messages.length === 0 && trimmedTo >= expected) {
      yield gapFrame(room, expected, trimmedTo);
      expected = trimmedTo + 1;
    }
    for (const message of messages) {
      if (message.seq < expected) continue;
      if (message.seq > expected) yield gapFrame(room, expected, message.seq - 1);
      yield message.frame;
      expected = message.seq + 1;
    }
  }
  yield JSON.stringify({ type: roomFrameTypes.sync, room, seq: latestSeq });
}

function gapFrame(room: string, from: number, to: number): string {
  return JSON.stringify({ type: roomFrameTypes.gap, room, from, to });
}
