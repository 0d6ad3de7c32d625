import { deadlineSignal } from '../../src/concurrency/lambda-deadline';

describe('deadlineSignal', () => {
  it('is undefined without a deadline and already aborted past one', () => {
    expect(deadlineSignal(undefined)).toBeUndefined();
    expect(deadlineSignal(Date.now() - 1)?.aborted).toBe(true);
    expect(() => deadlineSignal(Number.NaN)).toThrow(TypeError);
  });

  it('lets a far deadline share the signal of one at most 25 ms before it, never after it', () => {
    const deadline = Date.now() + 60_000;
    const first = deadlineSignal(deadline);
    expect(first?.aborted).toBe(false);
    // Fires at `deadline`: early enough for both.
    expect(deadlineSignal(deadline + 10)).toBe(first);
    expect(deadlineSignal(deadline + 25)).toBe(first);
    // Would fire late for an earlier deadline, and too early for one further off.
    const earlier = deadlineSignal(deadline - 10);
    expect(earlier).not.toBe(first);
    expect(deadlineSignal(deadline + 40)).not.toBe(earlier);
  });

  it('gives a deadline under a second away a signal of its own', () => {
    const deadline = Date.now() + 900;
    expect(deadlineSignal(deadline)).not.toBe(deadlineSignal(deadline));
  });
});
