/**
 * During a rotation both connections are in the same rooms, so one broadcast arrives twice.
 * Identical frames are counted per connection, and a frame is delivered only when its count on
 * the connection it came by exceeds its count on the other: each distinct frame is delivered as
 * many times as the connection that saw it most often saw it, so a message the old connection
 * alone got (or that really was sent twice) is still delivered, and none twice. Frames are
 * compared as text: API Gateway posts the same bytes to every member of a broadcast.
 */
export class OverlapDedupe {
  readonly #counts = new Map<string, [number, number]>();

  /** Whether to deliver `text`, which came by connection `side` (0: old, 1: new). */
  accept(side: 0 | 1, text: string): boolean {
    let counts = this.#counts.get(text);
    if (!counts) {
      counts = [0, 0];
      this.#counts.set(text, counts);
    }
    counts[side] += 1;
    return counts[side] > counts[side === 0 ? 1 : 0];
  }
}
