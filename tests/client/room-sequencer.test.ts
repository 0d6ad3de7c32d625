import { RoomSequencer } from '../../src/client/room-sequencer';
import { ManualClock } from './client-kit';

/** The sequencer alone, on a manual clock: what the application sees, and the resumes asked. */
function sequencer(afterSeq?: number) {
  const clock = new ManualClock();
  const seen: string[] = [];
  const resumes: number[] = [];
  const room = new RoomSequencer(
    'r',
    afterSeq,
    { clock, windowMs: 1000, maxResumes: 2 },
    {
      deliver: (frame) => seen.push(`m${String(frame.seq)}`),
      gap: (gap) => seen.push(`gap ${gap.from}-${gap.to}`),
      resume: (after) => resumes.push(after),
    },
  );
  const frame = (seq: number) => room.frame(seq, { type: 'said', room: 'r', seq });
  return { clock, seen, resumes, room, frame };
}

describe('RoomSequencer (one room, in seq order at the client)', () => {
  test('delivers in order, once, whatever order and copies the frames come in', () => {
    const { seen, room, frame } = sequencer(0);
    for (const seq of [2, 1, 1, 4, 3, 2, 5, 4]) frame(seq);
    expect(seen).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(room.last).toBe(5);
  });

  test('a fresh join waits for room-sync, then drops what predates it', () => {
    const { seen, room, frame } = sequencer();
    frame(8);
    frame(7);
    expect(seen).toEqual([]);
    room.sync(6);
    expect(seen).toEqual(['m7', 'm8']);
    room.sync(0); // a late sync never moves the room back
    frame(9);
    expect(seen).toEqual(['m7', 'm8', 'm9']);
  });

  test('without a room-sync, the window starts the room at the oldest frame waiting', () => {
    const { clock, seen, frame } = sequencer();
    frame(12);
    frame(11);
    clock.advance(999);
    expect(seen).toEqual([]);
    clock.advance(1);
    expect(seen).toEqual(['m11', 'm12']);
  });

  test('a hole asks for a resume after the window, twice, then is reported as a gap', () => {
    const { clock, seen, resumes, frame } = sequencer(3);
    frame(5);
    frame(6);
    clock.advance(1000);
    expect(resumes).toEqual([3]);
    clock.advance(1000);
    expect(resumes).toEqual([3, 3]);
    expect(seen).toEqual([]);
    clock.advance(1000);
    expect(seen).toEqual(['gap 4-4', 'm5', 'm6']);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('a resume that fills the hole stops the window', () => {
    const { clock, seen, resumes, frame } = sequencer(3);
    frame(5);
    clock.advance(1000);
    expect(resumes).toEqual([3]);
    frame(4);
    expect(seen).toEqual(['m4', 'm5']);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('resume-gap and room-skip take their seqs, in room order', () => {
    const { seen, room, frame } = sequencer(0);
    frame(6);
    room.gap(2, 4);
    room.skip(5);
    frame(1);
    expect(seen).toEqual(['m1', 'gap 2-4', 'm6']);
  });

  test('a gap ends where a frame it names did arrive', () => {
    const { seen, room, frame } = sequencer(0);
    frame(3);
    room.gap(1, 4);
    expect(seen).toEqual(['gap 1-2', 'm3', 'gap 4-4']);
  });

  test('a room-sync past the last seq is a hole with nothing after it: resumed, then a gap', () => {
    const { clock, seen, resumes, room } = sequencer(2);
    room.sync(4);
    clock.advance(2000);
    expect(resumes).toEqual([2, 2]);
    clock.advance(1000);
    expect(seen).toEqual(['gap 3-4']);
    expect(room.last).toBe(4);
  });

  test('room-reset counts the room from 0 again (the server lost its sequence)', () => {
    const { clock, seen, room, frame } = sequencer(40);
    frame(42);
    room.reset();
    frame(1);
    frame(2);
    expect(seen).toEqual(['m1', 'm2']);
    expect(clock.pendingDelays()).toEqual([]);
  });

  test('dispose stops its timer', () => {
    const { clock, room, frame } = sequencer(0);
    frame(3);
    room.dispose();
    expect(clock.pendingDelays()).toEqual([]);
  });
});
