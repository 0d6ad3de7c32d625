import type { HistoryRetention, RoomMessage } from './connection-store';
import { validateRooms } from './connection-record';

/**
 * The rules both stores apply to room history, so a message one store keeps the other keeps
 * too, and a resume reads the same window from either.
 *
 * Internal: not exported from the package.
 */
export const roomHistoryRules = {
  /** Checked before anything is written: a bad seq would break the room's order for good. */
  checkMessage(room: string, message: RoomMessage): void {
    validateRooms([room]);
    if (!Number.isSafeInteger(message?.seq) || message.seq < 1) {
      throw new TypeError(`room ${room}: a message seq is a positive integer`);
    }
    if (typeof message.frame !== 'string') {
      throw new TypeError(`room ${room}: a message frame is the posted text`);
    }
  },

  checkAfterSeq(room: string, afterSeq: number | undefined): void {
    validateRooms([room]);
    if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || afterSeq < 0)) {
      throw new TypeError(`room ${room}: afterSeq is a non-negative integer`);
    }
  },

  /** The first seq a resume reads: after `afterSeq`, and within the room's last `maxMessages`. */
  firstReadable(afterSeq: number, latestSeq: number, retention: HistoryRetention): number {
    return Math.max(afterSeq + 1, latestSeq - retention.maxMessages + 1);
  },
} as const;
