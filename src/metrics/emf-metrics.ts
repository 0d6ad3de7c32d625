import type { OutboundStats } from '../context/context-services';
import type { MetricsOptions } from './metrics-options';

/** One event's facts, gathered by the runtime. */
export interface EventMetrics {
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT' | 'INVALID';
  /** The matched route (never a client-chosen action), for the Route dimension. */
  route: string;
  statusCode: number;
  errorCode?: string;
  latencyMs: number;
  bytesIn: number;
  outbound: Readonly<OutboundStats>;
}

interface MetricDefinition {
  Name: string;
  Unit: string;
}

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: MetricDefinition[];
}

const EVENT_COUNT: Record<EventMetrics['eventType'], string> = {
  CONNECT: 'Connects',
  DISCONNECT: 'Disconnects',
  MESSAGE: 'Messages',
  INVALID: 'Messages',
};
const COMMON: MetricDefinition[] = [
  { Name: 'Latency', Unit: 'Milliseconds' },
  { Name: 'BytesIn', Unit: 'Bytes' },
  { Name: 'BytesOut', Unit: 'Bytes' },
  { Name: 'MessagesOut', Unit: 'Count' },
];
const FANOUT: MetricDefinition[] = [
  { Name: 'FanoutSent', Unit: 'Count' },
  { Name: 'FanoutGone', Unit: 'Count' },
  { Name: 'FanoutFailed', Unit: 'Count' },
];

/**
 * Writes CloudWatch Embedded Metric Format lines: one JSON line per event, which CloudWatch Logs
 * turns into metrics with no SDK call, no timer and no in-process state (so nothing is lost when
 * Lambda freezes the container). The directives are built once; an event only fills in values.
 */
export class EmfMetrics {
  private readonly baseDimensions: Record<string, string>;
  private readonly write: (line: string) => void;
  /** [event kind][with fan-out] -> the metrics directive. */
  private readonly directives: Record<string, [Directive, Directive]>;
  /** Errors get their own directive so that ErrorCode is a dimension only for them. */
  private readonly errorDirective: Directive;

  constructor(options: MetricsOptions = {}) {
    const namespace = options.namespace ?? 'LiftWs';
    const service = options.service ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'lift-ws';
    this.baseDimensions = { Service: service, ...(options.dimensions ?? {}) };
    for (const [key, value] of Object.entries(this.baseDimensions)) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new Error(`metrics: dimension ${key} must be a non-empty string`);
      }
    }
    const keys = Object.keys(this.baseDimensions);
    if (keys.length > 28) throw new Error('metrics: at most 28 extra dimensions (EMF allows 30)');
    this.write = options.write ?? ((line) => void process.stdout.write(line + '\n'));
    const directive = (metrics: MetricDefinition[], extra: string): Directive => ({
      Namespace: namespace,
      Dimensions: [keys, [...keys, extra]],
      Metrics: metrics,
    });
    this.directives = {};
    for (const name of new Set(Object.values(EVENT_COUNT))) {
      const base = [{ Name: name, Unit: 'Count' }, ...COMMON];
      this.directives[name] = [directive(base, 'Route'), directive([...base, ...FANOUT], 'Route')];
    }
    this.errorDirective = directive([{ Name: 'Errors', Unit: 'Count' }], 'ErrorCode');
  }

  record(event: EventMetrics): void {
    const out = event.outbound;
    const countName = EVENT_COUNT[event.eventType];
    const fannedOut = out.fanoutSent + out.fanoutGone + out.fanoutFailed > 0;
    const errored = event.statusCode >= 400;
    const directives = [this.directives[countName][fannedOut ? 1 : 0]];
    if (errored) directives.push(this.errorDirective);
    const line = {
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: directives },
      ...this.baseDimensions,
      Route: event.route,
      ...(errored ? { ErrorCode: event.errorCode ?? String(event.statusCode), Errors: 1 } : {}),
      EventType: event.eventType,
      StatusCode: event.statusCode,
      [countName]: 1,
      Latency: Math.round(event.latencyMs * 1000) / 1000,
      BytesIn: event.bytesIn,
      BytesOut: out.bytesOut,
      MessagesOut: out.messagesOut,
      ...(fannedOut
        ? { FanoutSent: out.fanoutSent, FanoutGone: out.fanoutGone, FanoutFailed: out.fanoutFailed }
        : {}),
    };
    this.write(JSON.stringify(line));
  }
}
