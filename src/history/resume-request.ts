import { BadRequestError } from '../errors/named-errors';

/**
 * Where a join frame asks to resume from: `{"action":"join","room":"r","resume":{"afterSeq":41}}`
 * (or `resume: { room, afterSeq }`). Undefined when the frame asks for none, or names another
 * room than the one being joined. A malformed one is the client's mistake: a 400, checked before
 * the join writes anything.
 * @internal
 */
export function resumeAfterSeq(body: unknown, room: string): number | undefined {
  if (typeof body !== 'object' || body === null || !('resume' in body)) return undefined;
  const { resume, room: frameRoom } = body as { resume: unknown; room?: unknown };
  if (resume === undefined || resume === null) return undefined;
  if (typeof resume !== 'object' || Array.isArray(resume)) {
    throw new BadRequestError('resume must be an object: { "afterSeq": <the last seq you got> }');
  }
  const { afterSeq, room: resumeRoom } = resume as { afterSeq?: unknown; room?: unknown };
  if (resumeRoom !== undefined && typeof resumeRoom !== 'string') {
    throw new BadRequestError('resume.room must be a string');
  }
  if ((resumeRoom ?? frameRoom) !== room) return undefined;
  if (typeof afterSeq !== 'number' || !Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new BadRequestError('resume.afterSeq must be a non-negative integer', {
      field: 'resume.afterSeq',
    });
  }
  return afterSeq;
}
