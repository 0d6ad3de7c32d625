/** Options of `ctx.join(room, options)`. */
export interface JoinOptions {
  /**
   * With room history on: replay the room's kept messages after this seq to the caller before
   * the join returns. Default: the `resume.afterSeq` of the join frame itself
   * (`{"action":"join","room":"r","resume":{"afterSeq":41}}`, what lift-ws/client sends), so a
   * route that calls `ctx.join(room)` resumes with no code of its own.
   */
  afterSeq?: number;
}
