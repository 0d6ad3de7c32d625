export interface MetricsOptions {
  /** CloudWatch namespace. Default `LiftWs`. */
  namespace?: string;
  /** Value of the `Service` dimension. Default AWS_LAMBDA_FUNCTION_NAME, else `lift-ws`. */
  service?: string;
  /** Extra dimensions on every metric (e.g. `{ Stage: 'prod' }`). */
  dimensions?: Record<string, string>;
  /** Where the lines go. Default: process.stdout (the Lambda runtime ships it to CloudWatch). */
  write?: (line: string) => void;
}
