import type { ClientClock } from './client-clock';

/** Seqs of a room the client will not get: the history no longer had them. */
export interface ResumeGap {
  readonly room: string;
  /** First missing seq. */
  readonly from: number;
  /** Last missing seq. */
  readonly to: number;
}

/** What a sequencer hands back to the client. */
export interface SequencerOutput {
  /** A room message in room order, once. */
  deliver(frame: Record<string, unknown>): void;
  gap(gap: ResumeGap): void;
  /** A hole stayed open for the reorder window: ask the server for what follows `afterSeq`. */
  resume(afterSeq: number): void;
}

/** A slot of the reorder buffer: a frame to deliver, a gap to report, or a seq not for us. */
type Slot =
  | { kind: 'frame'; frame: Record<string, unknown> }
  | { kind: 'gap'; to: number }
  | { kind: 'skip' };

/**
 * One room's order at the client: frames arrive by seq from live fan-outs, replays, both
 * connections of a rotation, in any order; each seq is delivered once, in order. A frame past a
 * hole waits; a hole still open after `windowMs` is asked for again (a resume), and after
 * `maxResumes` unanswered asks it is reported as a gap and passed.
 *
 * Until the first `room-sync` (a fresh join) the client does not know where the room starts for
 * it: frames wait for that, or for the window, after which the oldest one waiting starts it.
 * @internal
 */
export class RoomSequencer {
  readonly room: string;
  #last: number | undefined;
  readonly #waiting = new Map<number, Slot>();
  /** The room's latest seq as a `room-sync` told it: a hole may end there, with nothing after it. */
  #known = 0;
  #timer: unknown;
  #resumes = 0;
  readonly #clock: ClientClock;
  readonly #windowMs: number;
  readonly #maxResumes: number;
  readonly #output: SequencerOutput;

  constructor(
    room: string,
    afterSeq: number | undefined,
    settings: { clock: ClientClock; windowMs: number; maxResumes: number },
    output: SequencerOutput,
  ) {
    this.room = room;
    this.#last = afterSeq;
    this.#clock = settings.clock;
    this.#windowMs = settings.windowMs;
    this.#maxResumes = settings.maxResumes;
    this.#output = output;
  }

  /** The last seq delivered (or passed); what a resume asks to continue after. */
  get last(): number | undefined {
    return this.#last;
  }

  frame(seq: number, frame: Record<string, unknown>): void {
    this.#put(seq, { kind: 'frame', frame });
  }

  skip(seq: number): void {
    this.#put(seq, { kind: 'skip' });
  }

  gap(from: number, to: number): void {
    if (to < from) return;
    this.#put(from, { kind: 'gap', to });
  }

  /** A join finished: a fresh join starts after `seq`; a resume learns how far the room is. */
  sync(seq: number): void {
    this.#known = Math.max(this.#known, seq);
    if (this.#last === undefined) this.#last = seq;
    this.#flush();
  }

  /** The server's sequence of the room started again: count from 0, forget what waits. */
  reset(): void {
    this.dispose();
    this.#last = 0;
    this.#known = 0;
    this.#resumes = 0;
  }

  dispose(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting.clear();
  }

  #put(seq: number, slot: Slot): void {
    const last = this.#last;
    const end = slot.kind === 'gap' ? slot.to : seq;
    if (last !== undefined && end <= last) return; // a duplicate, or a gap already passed
    const present = this.#waiting.get(seq);
    // A frame wins over a gap or skip at the same seq; the first frame wins over a copy.
    if (present && (present.kind === 'frame' || slot.kind !== 'frame')) return;
    this.#waiting.set(seq, slot);
    this.#known = Math.max(this.#known, end);
    this.#flush();
  }

  #flush(): void {
    while (this.#last !== undefined) {
      const next = this.#last + 1;
      const slot = this.#waiting.get(next);
      if (slot?.kind === 'frame' || slot?.kind === 'skip') {
        this.#waiting.delete(next);
        this.#last = next;
        this.#resumes = 0;
        if (slot.kind === 'frame') this.#output.deliver(slot.frame);
        continue;
      }
      const gap = this.#gapCovering(next);
      if (!gap) break;
      // A gap ends early where a frame is waiting: that message did arrive after all.
      const to = Math.min(gap.to, this.#firstWaitingAfter(next) - 1);
      this.#last = to;
      this.#resumes = 0;
      this.#output.gap({ room: this.room, from: next, to });
    }
    const last = this.#last;
    if (last !== undefined) {
      for (const [seq, slot] of this.#waiting) {
        if ((slot.kind === 'gap' ? slot.to : seq) <= last) this.#waiting.delete(seq);
      }
    }
    this.#watch();
  }

  /** The waiting gap that covers `seq`, if any (gaps are few: a scan is enough). */
  #gapCovering(seq: number): { to: number } | undefined {
    for (const [from, slot] of this.#waiting) {
      if (slot.kind === 'gap' && from <= seq && seq <= slot.to) return slot;
    }
    return undefined;
  }

  /** The smallest seq after `seq` that holds a frame or a skip (Infinity when none does). */
  #firstWaitingAfter(seq: number): number {
    let first = Infinity;
    for (const [waiting, slot] of this.#waiting) {
      if (slot.kind !== 'gap' && waiting > seq && waiting < first) first = waiting;
    }
    return first;
  }

  /** Starts the window when there is a hole, stops it when there is none. */
  #watch(): void {
    const hole = this.#last === undefined ? this.#waiting.size > 0 : this.#known > this.#last;
    if (!hole) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#resumes = 0;
      return;
    }
    this.#timer ??= this.#clock.setTimeout(() => this.#windowOver(), this.#windowMs);
  }

  #windowOver(): void {
    this.#timer = undefined;
    if (this.#last === undefined) {
      // No room-sync came (a join outside the client, or a server without history replies).
      this.#last = Math.min(...this.#waiting.keys()) - 1;
    } else if (this.#known > this.#last) {
      if (this.#resumes < this.#maxResumes) {
        this.#resumes += 1;
        this.#output.resume(this.#last);
      } else {
        const first = this.#firstWaitingAfter(this.#last);
        const to = Number.isFinite(first) ? first - 1 : this.#known;
        this.#waiting.set(this.#last + 1, { kind: 'gap', to });
      }
    }
    this.#flush();
  }
}
