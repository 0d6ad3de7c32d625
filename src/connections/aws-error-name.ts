/**
 * The `name` of an AWS SDK error (`ConditionalCheckFailedException`, `ResourceInUseException`),
 * read by shape: an application may bundle another copy of the SDK, so `instanceof` is
 * unreliable.
 */
export function awsErrorName(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { name?: unknown }).name
    : undefined;
}
