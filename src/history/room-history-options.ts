import type { ConnectionStore, HistoryRetention } from '../connections/connection-store';
import { optionNumber } from '../validation/option-number';

/** `bootstrap({ rooms })`: what rooms do beyond membership. */
export interface RoomsOptions {
  /**
   * Sequence and keep every `broadcastToRoom` / `emitToRoom` message, so a client that
   * reconnects gets what it missed (`{ action: 'join', room, resume: { afterSeq } }`). `true`
   * for the defaults. Needs a store with `nextRoomSeq`, `putRoomMessage` and `roomHistory`
   * (both lift-ws stores have them).
   */
  history?: boolean | RoomHistoryOptions;
}

export interface RoomHistoryOptions {
  /** How long a message stays resumable. Default 600 (10 minutes). */
  ttlSeconds?: number;
  /** The most messages a resume replays (the room's last ones). Default 100. */
  maxMessages?: number;
}

const DEFAULT_TTL_SECONDS = 600;
const DEFAULT_MAX_MESSAGES = 100;

/** Checks the option once, at bootstrap; undefined when history is off. @internal */
export function roomHistorySettings(
  option: RoomsOptions | undefined,
  store: ConnectionStore | undefined,
): HistoryRetention | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null) {
    throw new TypeError('bootstrap option rooms must be an object');
  }
  const history = option.history;
  if (history === undefined || history === false) return undefined;
  if (history !== true && (typeof history !== 'object' || history === null)) {
    throw new TypeError(
      'bootstrap option rooms.history must be true or { ttlSeconds, maxMessages }',
    );
  }
  const given = history === true ? {} : history;
  const missing = (['nextRoomSeq', 'putRoomMessage', 'roomHistory'] as const).filter(
    (method) => typeof store?.[method] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `bootstrap option rooms.history needs a connection store with ${missing.join(', ')}` +
        (store
          ? ` (${store.constructor.name} has not)`
          : ': add connections: new MemoryConnectionStore()'),
    );
  }
  return {
    ttlSeconds: optionNumber(
      given.ttlSeconds,
      DEFAULT_TTL_SECONDS,
      'bootstrap option rooms.history.ttlSeconds',
      {
        integer: true,
      },
    ),
    maxMessages: optionNumber(
      given.maxMessages,
      DEFAULT_MAX_MESSAGES,
      'bootstrap option rooms.history.maxMessages',
      { integer: true },
    ),
  };
}
