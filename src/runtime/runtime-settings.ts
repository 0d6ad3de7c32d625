import { fanoutSettings, type FanoutSettings } from '../fanout/fanout-options';
import type { ConnectionStore, HistoryRetention } from '../connections/connection-store';
import { roomHistorySettings } from '../history/room-history-options';
import { MAX_MESSAGE_BYTES } from '../events/api-gateway-limits';
import { createLogger } from '../logging/create-logger';
import type { Logger } from '../logging/logger';
import { optionNumber } from '../validation/option-number';
import type { BootstrapOptions } from './bootstrap-options';
import type { HeartbeatSettings } from './builtin-routes';

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'middleware',
  'actionField',
  'managementEndpoint',
  'managementClientFactory',
  'logger',
  'errorFrames',
  'connections',
  'rooms',
  'broadcast',
  'fanout',
  'maxMessageBytes',
  'heartbeat',
  'metrics',
  'routeResponses',
  'contract',
]);

/** The bootstrap's options, validated once, with their defaults filled in. */
export interface RuntimeSettings {
  readonly logger: Logger;
  readonly store: ConnectionStore | undefined;
  /** Room history's retention; undefined when `rooms.history` is off. */
  readonly roomHistory: HistoryRetention | undefined;
  readonly maxMessageBytes: number;
  readonly broadcast: {
    readonly concurrency: number;
    readonly timeoutMs: number;
    readonly retries: number;
    readonly retryTimeouts: boolean;
  };
  readonly fanout: FanoutSettings | undefined;
  readonly errorFrames: boolean | undefined;
  readonly routeResponses: boolean | undefined;
  readonly heartbeat: HeartbeatSettings | undefined;
}

/** Checks every option at cold start, naming the one that is wrong; never per event. */
export function resolveSettings(options: BootstrapOptions): RuntimeSettings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError('bootstrap(controllers, options): options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`bootstrap: unknown option "${key}"`);
  }
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new TypeError('bootstrap option middleware must be an array');
  }
  if (options.managementEndpoint !== undefined) {
    try {
      new URL(options.managementEndpoint);
    } catch {
      throw new TypeError(
        `bootstrap option managementEndpoint is not a URL: ${options.managementEndpoint}`,
      );
    }
  }
  const store = options.connections as Partial<ConnectionStore> | undefined;
  if (store !== undefined && (typeof store !== 'object' || typeof store?.save !== 'function')) {
    throw new TypeError('bootstrap option connections must be a ConnectionStore');
  }
  const broadcast = options.broadcast ?? {};
  const retryTimeouts = broadcast.retryTimeouts ?? false;
  if (typeof retryTimeouts !== 'boolean') {
    throw new TypeError('bootstrap option broadcast.retryTimeouts must be a boolean');
  }
  return {
    logger: isLogger(options.logger) ? options.logger : createLogger(options.logger ?? {}),
    store: options.connections,
    roomHistory: roomHistorySettings(options.rooms, options.connections),
    maxMessageBytes: optionNumber(
      options.maxMessageBytes,
      MAX_MESSAGE_BYTES,
      'bootstrap option maxMessageBytes',
      { integer: true },
    ),
    broadcast: {
      concurrency: optionNumber(
        broadcast.concurrency,
        32,
        'bootstrap option broadcast.concurrency',
        {
          integer: true,
        },
      ),
      timeoutMs: optionNumber(broadcast.timeoutMs, 5000, 'bootstrap option broadcast.timeoutMs', {
        integer: true,
      }),
      retries: optionNumber(broadcast.retries, 2, 'bootstrap option broadcast.retries', {
        integer: true,
        min: 0,
      }),
      retryTimeouts,
    },
    fanout: fanoutSettings(options.fanout),
    errorFrames: optionalBoolean(options.errorFrames, 'errorFrames'),
    routeResponses: optionalBoolean(options.routeResponses, 'routeResponses'),
    heartbeat: heartbeatSettings(options.heartbeat),
  };
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new TypeError(`bootstrap option ${name} must be a boolean`);
}

function heartbeatSettings(option: BootstrapOptions['heartbeat']): HeartbeatSettings | undefined {
  if (option === false) return undefined;
  const settings = option === undefined || option === true ? {} : option;
  const action = settings.action ?? 'ping';
  if (typeof action !== 'string' || action.length === 0)
    throw new TypeError('heartbeat.action must be a string');
  const reply = settings.reply ?? 'frame';
  if (reply !== 'frame' && reply !== 'response')
    throw new TypeError("heartbeat.reply must be 'frame' or 'response'");
  return { action, reply };
}

function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['error', 'warn', 'info', 'debug', 'child'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    )
  );
}
