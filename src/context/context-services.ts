import type { FanoutSettings } from '../fanout/fanout-options';
import type { ConnectionStore, HistoryRetention } from '../connections/connection-store';
import type { Logger } from '../logging/logger';
import type { BroadcastOptions, ManagementApi } from '../management/management-api';

/**
 * What a context needs from the runtime, built once per handler in `bootstrap`.
 * @internal
 */
export interface ContextServices {
  readonly logger: Logger;
  /** The `@connections` client for an event's endpoint facts (cached per endpoint). */
  management(facts: EndpointFacts): ManagementApi;
  /** Rooms, users, tenants, and forgetting connections a send finds gone. */
  readonly store?: ConnectionStore;
  /** Room messages are sequenced and kept for resumes when set (bootstrap's `rooms.history`). */
  readonly roomHistory?: HistoryRetention;
  /** The bootstrap's fan-out settings, passed on every call (the client is shared per endpoint). */
  readonly broadcast: BroadcastOptions;
  /** Large broadcasts go to SQS when set. */
  readonly fanout?: FanoutSettings;
  /** Whether to count bytes and messages sent (only the metrics line reads them). */
  readonly countOutbound: boolean;
}

/**
 * The facts of an event that locate its `@connections` endpoint.
 * @internal
 */
export interface EndpointFacts {
  readonly domainName: string;
  readonly stage: string;
  readonly apiId: string;
}

/**
 * What one event sent, for the metrics line.
 * @internal
 */
export interface OutboundStats {
  bytesOut: number;
  messagesOut: number;
  fanoutSent: number;
  fanoutGone: number;
  fanoutFailed: number;
}
