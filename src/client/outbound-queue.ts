/** A frame waiting for a connection. */
export interface QueuedFrame {
  readonly text: string;
  readonly action: string;
  /** Set for `request()` frames, so a dropped one rejects its promise. */
  readonly requestId?: string;
}

/**
 * Frames sent while no connection is open, oldest first. Bounded: a client offline for an hour
 * must not replay an hour of typing, nor grow without end; the oldest frame makes room.
 */
export class OutboundQueue {
  readonly #frames: QueuedFrame[] = [];
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#frames.length;
  }

  /** Adds a frame; returns the one dropped to make room, if any. */
  push(frame: QueuedFrame): QueuedFrame | undefined {
    this.#frames.push(frame);
    return this.#frames.length > this.#limit ? this.#frames.shift() : undefined;
  }

  /** Removes and returns every frame, oldest first. */
  drain(): QueuedFrame[] {
    return this.#frames.splice(0, this.#frames.length);
  }
}
