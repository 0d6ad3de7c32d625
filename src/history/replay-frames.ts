import type { HistoryRetention, RoomHistory } from '../connections/connection-store';
import { roomFrameTypes } from './room-frames';

/**
 * What a join posts to the joining connection, in order: for a resume, one `resume-gap` for the
 * seqs before the room's last `maxMessages` (gone for certain), then the kept messages after
 * `afterSeq`; then one `room-sync` with the room's latest seq, which tells a fresh joiner where
 * it starts. A resume from further than the room's latest seq (its counter was lost) starts
 * with `room-reset`.
 *
 * A hole among the kept messages is not reported: a concurrent sender's history write may still
 * be under way (its message then arrives live), and the store cannot tell that from a message
 * that never will. The client waits for it, asks again, and reports the gap itself if it stays
 * (lift-ws/client does). The same holds for messages that expired by TTL.
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
    if (afterSeq > latestSeq) {
      // The client counts from a sequence this store no longer has: it starts again from 0.
      yield JSON.stringify({ type: roomFrameTypes.reset, room });
      expected = 1;
    }
    // Seqs before the room's last maxMessages are gone for certain, kept or not.
    const trimmedTo = latestSeq - retention.maxMessages;
    if (trimmedTo >= expected) {
      yield gapFrame(room, expected, trimmedTo);
      expected = trimmedTo + 1;
    }
    for (const message of messages) {
      if (message.seq >= expected) yield message.frame;
    }
  }
  yield JSON.stringify({ type: roomFrameTypes.sync, room, seq: latestSeq });
}

function gapFrame(room: string, from: number, to: number): string {
  return JSON.stringify({ type: roomFrameTypes.gap, room, from, to });
}

/**
 * Packs a join's frames into as few posts as fit `maxBytes` each, in order: every post costs a
 * `@connections` call (and under load a wait for a socket), so a replay of 100 messages goes
 * out in one or two posts, not 100. A batch of one frame is posted as the frame itself; a
 * frame too large to share a post goes alone.
 * @internal
 */
export function* replayBatches(
  room: string,
  frames: Iterable<string>,
  maxBytes: number,
): Generator<string, void> {
  const head = `{"type":${JSON.stringify(roomFrameTypes.replay)},"room":${JSON.stringify(room)},"frames":[`;
  const overhead = byteLength(head) + 2;
  let batch: string[] = [];
  let bytes = overhead;
  const cut = (): string => {
    const text = batch.length === 1 ? batch[0] : `${head}${batch.join(',')}]}`;
    batch = [];
    bytes = overhead;
    return text;
  };
  for (const frame of frames) {
    const size = byteLength(frame) + 1;
    if (batch.length > 0 && bytes + size > maxBytes) yield cut();
    batch.push(frame);
    bytes += size;
  }
  if (batch.length > 0) yield cut();
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
