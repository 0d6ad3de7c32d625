/** One reason a value does not match its schema, as a client is told it. */
export interface ValidationIssue {
  /** Where, as `items[2].name`; empty for the value itself. */
  readonly path: string;
  readonly message: string;
}
