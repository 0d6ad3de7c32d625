import { FANOUT_QUEUE_URL_VARIABLE } from '../fanout/fanout-options';
import { MANAGEMENT_ENDPOINT_VARIABLE } from '../management/resolve-endpoint';

export { MANAGEMENT_ENDPOINT_VARIABLE };
/** The SDK's service-specific endpoint variable: the SQS client of the handler enqueues there. */
const SQS_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_SQS';
/**
 * `true` tells the framework that every route is two-way (bootstrap's `routeResponses`):
 * replies and errors go back as route responses, not as posted frames.
 */
export const ROUTE_RESPONSES_VARIABLE = 'LIFT_WS_ROUTE_RESPONSES';

// Endpoints that running gateways wrote into the environment, so a second gateway in the same
// process can tell them from a value the user set on purpose.
const endpointsSetByGateways = new Set<string>();

const DUMMY_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

/**
 * Points the handler's process environment at the local gateway, so the real
 * `@aws-sdk/client-apigatewaymanagementapi` client posts to it: the SDK needs a region and
 * credentials even for a custom endpoint (the gateway checks no signature), and the framework
 * takes the endpoint from LIFT_WS_MANAGEMENT_ENDPOINT. Whatever it set is restored on close.
 */
export class GatewayEnvironment {
  private readonly written = new Map<string, { value: string; previous: string | undefined }>();
  private ownsEndpoint = false;
  private previousWasGateway = false;

  constructor(
    private readonly managementEndpoint: string,
    private readonly region: string,
    /** Every route is two-way (`routeResponses: true`): the handler need not post error frames. */
    private readonly allRoutesTwoWay = false,
    /** `fanoutWorker`: the local queue, so `bootstrap({ fanout: {} })` enqueues there. */
    private readonly fanout?: { queueUrl: string; endpoint: string },
  ) {}

  /** Called when the gateway starts. */
  apply(): void {
    const current = process.env[MANAGEMENT_ENDPOINT_VARIABLE];
    // A value the user exported (e.g. to test a proxy in front of the gateway) wins.
    this.previousWasGateway = current !== undefined && endpointsSetByGateways.has(current);
    this.ownsEndpoint = current === undefined || current === '' || this.previousWasGateway;
    if (this.ownsEndpoint) {
      endpointsSetByGateways.add(this.managementEndpoint);
      this.write(MANAGEMENT_ENDPOINT_VARIABLE, this.managementEndpoint);
    }
    if (!process.env.AWS_REGION) this.write('AWS_REGION', this.region);
    if (this.allRoutesTwoWay && process.env[ROUTE_RESPONSES_VARIABLE] === undefined) {
      this.write(ROUTE_RESPONSES_VARIABLE, 'true');
    }
    if (this.fanout) {
      this.write(FANOUT_QUEUE_URL_VARIABLE, this.fanout.queueUrl);
      this.write(SQS_ENDPOINT_VARIABLE, this.fanout.endpoint);
    }
    if (!process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_SECRET_ACCESS_KEY) {
      for (const [name, value] of Object.entries(DUMMY_CREDENTIALS)) this.write(name, value);
    }
  }

  /**
   * Called before every invocation: with two gateways in one process (two test files sharing
   * a worker, a test starting a second gateway), the endpoint is this gateway's while its
   * handler starts.
   */
  beforeInvoke(): void {
    if (
      this.ownsEndpoint &&
      process.env[MANAGEMENT_ENDPOINT_VARIABLE] !== this.managementEndpoint
    ) {
      process.env[MANAGEMENT_ENDPOINT_VARIABLE] = this.managementEndpoint;
    }
  }

  /** Puts back what `apply` changed, unless someone changed it again since. */
  restore(): void {
    for (const [name, { value, previous }] of this.written) {
      if (process.env[name] !== value) continue;
      // Handing back to a gateway that has closed meanwhile would leave a dead endpoint.
      const deadGateway =
        name === MANAGEMENT_ENDPOINT_VARIABLE &&
        this.previousWasGateway &&
        previous !== undefined &&
        !endpointsSetByGateways.has(previous);
      if (previous === undefined || deadGateway) delete process.env[name];
      else process.env[name] = previous;
    }
    this.written.clear();
    if (this.ownsEndpoint) endpointsSetByGateways.delete(this.managementEndpoint);
    this.ownsEndpoint = false;
  }

  private write(name: string, value: string): void {
    if (!this.written.has(name)) this.written.set(name, { value, previous: process.env[name] });
    process.env[name] = value;
  }
}
