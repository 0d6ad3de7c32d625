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

/** Route labels the runtime uses besides the route table's: no route selected, a bad event. */
const FIXED_ROUTE_LABELS = ['$connect', '$disconnect', '$default', 'invalid'];
/** What a dimension value outside the allowed set is recorded as. */
export const OTHER_ROUTE = 'other';
export const OTHER_ERROR_CODE = 'OTHER';
/**
 * Error codes as the framework and its users spell them. Anything else (a code built from
 * input, an SDK's message) must not mint a new CloudWatch metric per distinct value.
 */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Without a route list, a label must at least look like an action name. */
const LABEL_SHAPE = /^[A-Za-z0-9_.:$-]{1,64}$/;

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
  private readonly write: (line: string) => void;
  private readonly routeLabels: ReadonlySet<string> | undefined;
  /** The base dimensions as JSON members, without the braces. */
  private readonly baseDimensionsJson: string;
  /**
   * [event kind][with fan-out][errored] -> the CloudWatchMetrics array as JSON. Errors get a
   * directive of their own, so that ErrorCode is a dimension only for them.
   */
  private readonly directivesJson: Record<string, [[string, string], [string, string]]>;

  /**
   * @param routeLabels Every label a route of the route table can report (its actions); with
   *   the fixed labels (`$connect`, `$disconnect`, `$default`, `invalid`) the only values the
   *   Route dimension takes. Anything else is recorded as `other`: each distinct dimension
   *   value is a new CloudWatch metric, billed, and must never come from a client. Without
   *   the list, any label shaped like an action name is kept (not `__proto__`-like keys).
   */
  constructor(options: MetricsOptions = {}, routeLabels?: Iterable<string>) {
    this.routeLabels =
      routeLabels === undefined ? undefined : new Set([...FIXED_ROUTE_LABELS, ...routeLabels]);
    const namespace = options.namespace ?? 'LiftWs';
    const service = options.service ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'lift-ws';
    const baseDimensions = { Service: service, ...(options.dimensions ?? {}) };
    for (const [key, value] of Object.entries(baseDimensions)) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new Error(`metrics: dimension ${key} must be a non-empty string`);
      }
    }
    const keys = Object.keys(baseDimensions);
    if (keys.length > 28) throw new Error('metrics: at most 28 extra dimensions (EMF allows 30)');
    this.write = options.write ?? ((line) => void process.stdout.write(line + '\n'));
    const directive = (metrics: MetricDefinition[], extra: string): Directive => ({
      Namespace: namespace,
      Dimensions: [keys, [...keys, extra]],
      Metrics: metrics,
    });
    const errorDirective = directive([{ Name: 'Errors', Unit: 'Count' }], 'ErrorCode');
    const json = (list: Directive[]) => JSON.stringify(list);
    this.baseDimensionsJson = JSON.stringify(baseDimensions).slice(1, -1);
    this.directivesJson = {};
    for (const name of new Set(Object.values(EVENT_COUNT))) {
      const base = [{ Name: name, Unit: 'Count' }, ...COMMON];
      const plain = directive(base, 'Route');
      const fannedOut = directive([...base, ...FANOUT], 'Route');
      this.directivesJson[name] = [
        [json([plain]), json([plain, errorDirective])],
        [json([fannedOut]), json([fannedOut, errorDirective])],
      ];
    }
  }

  record(event: EventMetrics): void {
    const out = event.outbound;
    const countName = EVENT_COUNT[event.eventType];
    const fannedOut = out.fanoutSent + out.fanoutGone + out.fanoutFailed > 0;
    const errored = event.statusCode >= 400;
    // The same fields in the same order as one object literal with spreads would give, built
    // from parts: the directives and the base dimensions are the same on every line, so their
    // JSON is made once (stringifying them was most of a line's cost), and an object literal
    // spreading one object and then adding named fields takes ~1 µs on Node 20.
    const values: Record<string, unknown> = { Route: this.routeDimension(event.route) };
    if (errored) {
      values.ErrorCode = errorCodeDimension(event);
      values.Errors = 1;
    }
    values.EventType = event.eventType;
    values.StatusCode = event.statusCode;
    values[countName] = 1;
    values.Latency = Math.round(event.latencyMs * 1000) / 1000;
    values.BytesIn = event.bytesIn;
    values.BytesOut = out.bytesOut;
    values.MessagesOut = out.messagesOut;
    if (fannedOut) {
      values.FanoutSent = out.fanoutSent;
      values.FanoutGone = out.fanoutGone;
      values.FanoutFailed = out.fanoutFailed;
    }
    const directives = this.directivesJson[countName][fannedOut ? 1 : 0][errored ? 1 : 0];
    this.write(
      `{"_aws":{"Timestamp":${Date.now()},"CloudWatchMetrics":${directives}},` +
        `${this.baseDimensionsJson},${JSON.stringify(values).slice(1)}`,
    );
  }

  private routeDimension(route: unknown): string {
    if (typeof route !== 'string') return OTHER_ROUTE;
    if (this.routeLabels) return this.routeLabels.has(route) ? route : OTHER_ROUTE;
    return LABEL_SHAPE.test(route) && !(route in Object.prototype) ? route : OTHER_ROUTE;
  }
}

function errorCodeDimension(event: EventMetrics): string {
  const code: unknown = event.errorCode;
  if (code === undefined) {
    // A result the route built itself (`ctx.status(409).json(...)`): its status is the code.
    const status = event.statusCode;
    return Number.isInteger(status) && status >= 400 && status <= 599
      ? String(status)
      : OTHER_ERROR_CODE;
  }
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : OTHER_ERROR_CODE;
}
