import type { AttemptFacts } from './call-failure';
import type { AttemptLimits } from './attempt-limits';

/**
 * One SDK call bounded like a lean attempt: aborted `timeoutMs` after it starts (the caller
 * holds a socket slot by then, so the agent does not queue it) or at the deadline, whichever
 * comes first. The SDK cannot say whether the request was written, so `facts.written` stays
 * undefined and only connect errors count as "never sent".
 * @internal
 */
export async function sdkAttempt<T>(
  limits: AttemptLimits,
  facts: AttemptFacts,
  run: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    facts.timedOut = true;
    controller.abort(new Error(`no answer within ${limits.timeoutMs} ms`));
  }, limits.timeoutMs);
  const deadline = limits.deadline;
  const onDeadline = (): void => {
    facts.deadline = true;
    controller.abort(new Error("the call's deadline passed"));
  };
  if (deadline?.aborted) onDeadline();
  else deadline?.addEventListener('abort', onDeadline, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
    deadline?.removeEventListener('abort', onDeadline);
  }
}
