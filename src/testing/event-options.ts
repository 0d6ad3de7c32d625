import type { AuthorizerContext } from '../events/websocket-event';

/** A query-string value; several values for one name give `multiValueQueryStringParameters`. */
export type QueryValue = string | readonly string[];

/**
 * What every event builder of the test kit accepts. Anything left out gets a realistic
 * default; ids are fresh on every call unless given.
 */
export interface EventOptions {
  /** Default: a fresh id shaped like API Gateway's (`L0SM9cOFvHcCIhw=`). */
  connectionId?: string;
  /** Default: `$connect`, `$default` or `$disconnect` depending on the builder. */
  routeKey?: string;
  /** Default `prod`. */
  stage?: string;
  /** Default `abcdef1234`. */
  apiId?: string;
  /** Default `us-east-1`; used for the default domain name and the authorizer's methodArn. */
  region?: string;
  /** Default `{apiId}.execute-api.{region}.amazonaws.com`. */
  domainName?: string;
  /** Default: fresh, like `requestId` of API Gateway (`extendedRequestId` gets the same value). */
  requestId?: string;
  /**
   * Headers merged over the builder's defaults (case-insensitively); `undefined` removes a
   * default header. Message events have no headers unless given.
   */
  headers?: Record<string, string | undefined>;
  /** Query-string parameters. The query maps appear only when this is given, as in AWS. */
  query?: Record<string, QueryValue>;
  /**
   * The context a Lambda REQUEST authorizer returned on `$connect`. API Gateway stringifies its
   * values and adds `principalId` and `integrationLatency`; the builders do the same.
   */
  authorizer?: AuthorizerContext;
  /** Default `203.0.113.10`. */
  sourceIp?: string;
  /** Default `Mozilla/5.0`. */
  userAgent?: string;
  /** Epoch ms the connection opened. Default: now. */
  connectedAt?: number;
  /** Epoch ms of this request. Default: now. */
  requestTimeEpoch?: number;
  /** `stageVariables` of the event; absent unless given. */
  stageVariables?: Record<string, string>;
}
