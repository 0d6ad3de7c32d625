import { keepShape } from '../engine/keep-shape';
import { deadlineSignal } from './lambda-deadline';

/**
 * The `{ signal }` an event hands to its store calls, with the AbortSignal made on first read.
 * `AbortSignal.timeout` arms a timer that stays pending until the event's deadline, long after
 * the event has been answered, and costs more than a whole message event through lifts-ws's
 * pipeline; most events' store calls (an in-memory store's) finish at once and never need one.
 * Code that only asks whether the deadline has passed reads `deadline` (see `callAborted`); a
 * store that passes `signal` on to a network call gets the real signal, made once per event.
 * @internal
 */
export class DeadlineCallOptions {
  #signal: AbortSignal | undefined;
  #made = false;

  /** Epoch ms; undefined when the Lambda context cannot tell. */
  constructor(readonly deadline: number | undefined) {}

  get signal(): AbortSignal | undefined {
    if (!this.#made) {
      this.#signal = deadlineSignal(this.deadline);
      this.#made = true;
    }
    return this.#signal;
  }
}

// A full GC would otherwise collect the options' map between events (see keepShape).
keepShape(new DeadlineCallOptions(Date.now()));

/**
 * The signal of call options when it has fired, without making a deadline signal that was
 * never made: for work that finishes at once, a deadline can only have passed before.
 * @internal
 */
export function firedSignal(
  options: { signal?: AbortSignal } | undefined,
): AbortSignal | undefined {
  if (options instanceof DeadlineCallOptions) {
    const deadline = options.deadline;
    if (deadline === undefined || Date.now() < deadline) return undefined;
  }
  const signal = options?.signal;
  return signal?.aborted ? signal : undefined;
}
