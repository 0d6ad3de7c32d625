/**
 * The frame types of room history, shared by the server and lift-ws/client (no imports: the
 * client bundles this file). A sequenced room message carries `room` and `seq` beside its own
 * fields; these control frames carry `room` and the seqs they are about.
 */
export const roomFrameTypes = {
  /** `{type, room, from, to}`: seqs `from..to` are not in the history any more; reload. */
  gap: 'resume-gap',
  /** `{type, room, seq}`: the join is done; every seq up to `seq` was replayed or predates it. */
  sync: 'room-sync',
  /** `{type, room, seq}`: that seq went to the room without this connection (`exceptSelf`). */
  skip: 'room-skip',
  /**
   * `{type, room}`: the room's seqs started again at 1 (a resume asked for more than the room
   * ever had: a memory store that restarted, a new table); what follows is numbered anew.
   */
  reset: 'room-reset',
  /**
   * `{type, room, frames: [...]}`: a resume's frames (messages, gaps, the sync) packed into as
   * few posts as fit, in order; each element is the frame as it would be posted alone.
   */
  replay: 'room-replay',
  /** `{type, room, seq, text}` or `{..., base64}`: a payload that is not a JSON object, wrapped. */
  message: 'room-message',
} as const;
