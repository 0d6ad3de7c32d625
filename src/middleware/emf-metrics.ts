import type { MetricsOptions } from './metrics-options';

/** One event's facts, gathered by the runtime. */
export interface EventMetrics {
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT' | 'INVALID';
  /** The action or route key, for the Route dimension. */
  route: string;
  statusCode: number;
  errorCode?: string;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
  messagesOut: number;
  fanoutSent: number;
  fanoutGone: number;
  fanoutFailed: number;
}

/**
 * Writes CloudWatch Embedded Metric Format lines: one JSON line per event, which CloudWatch Logs
 * turns into metrics with no SDK call, no timer and no in-process state (so nothing is lost when
 * Lambda freezes the container).
 */
export class EmfMetrics {
  private readonly namespace: string;
  private readonly baseDimensions: Record<string, string>;
  private readonly dimensionKeys: string[];
  private readonly write: (line: string) => void;

  constructor(options: MetricsOptions = {}) {
    this.namespace = options.namespace ?? 'LiftWs';
    const service = options.service ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'lift-ws';
    this.baseDimensions = { Service: service, ...(options.dimensions ?? {}) };
    for (const [key, value] of Object.entries(this.baseDimensions)) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new Error(`metrics: dimension ${key} must be a non-empty string`);
      }
    }
    this.dimensionKeys = Object.keys(this.baseDimensions);
    if (this.dimensionKeys.length > 28)
      throw new Error('metrics: at most 28 extra dimensions (EMF allows 30)');
    this.write = options.write ?? ((line) => void process.stdout.write(line + '\n'));
  }

  record(event: EventMetrics): void {
    const metrics: Array<{ Name: string; Unit: string }> = [];
    const values: Record<string, number> = {};
    const add = (name: string, unit: string, value: number): void => {
      metrics.push({ Name: name, Unit: unit });
      values[name] = value;
    };
    if (event.eventType === 'CONNECT') add('Connects', 'Count', 1);
    else if (event.eventType === 'DISCONNECT') add('Disconnects', 'Count', 1);
    else add('Messages', 'Count', 1);
    add('Latency', 'Milliseconds', Math.round(event.latencyMs * 1000) / 1000);
    add('BytesIn', 'Bytes', event.bytesIn);
    add('BytesOut', 'Bytes', event.bytesOut);
    add('MessagesOut', 'Count', event.messagesOut);
    if (event.fanoutSent + event.fanoutGone + event.fanoutFailed > 0) {
      add('FanoutSent', 'Count', event.fanoutSent);
      add('FanoutGone', 'Count', event.fanoutGone);
      add('FanoutFailed', 'Count', event.fanoutFailed);
    }
    const directives: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }> = [
      {
        Namespace: this.namespace,
        Dimensions: [this.dimensionKeys, [...this.dimensionKeys, 'Route']],
        Metrics: metrics,
      },
    ];
    const errored = event.statusCode >= 400;
    if (errored) {
      // Errors get their own directive so that ErrorCode is a dimension only for them.
      directives.push({
        Namespace: this.namespace,
        Dimensions: [this.dimensionKeys, [...this.dimensionKeys, 'ErrorCode']],
        Metrics: [{ Name: 'Errors', Unit: 'Count' }],
      });
    }
    const line = {
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: directives },
      ...this.baseDimensions,
      Route: event.route,
      ...(errored ? { ErrorCode: event.errorCode ?? String(event.statusCode), Errors: 1 } : {}),
      EventType: event.eventType,
      StatusCode: event.statusCode,
      ...values,
    };
    this.write(JSON.stringify(line));
  }
}
