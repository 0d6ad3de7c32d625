/** What bounds one `@connections` attempt. @internal */
export interface AttemptLimits {
  /** Ms from the moment the request has a socket (not from when it was queued). */
  readonly timeoutMs: number;
  /** Fires at the call's deadline: the attempt is cut off even mid-flight. */
  readonly deadline?: AbortSignal;
}
