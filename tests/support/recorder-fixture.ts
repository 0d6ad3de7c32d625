import { ConnectionsRecorder, destroyManagementClients } from 'lift-ws/testing';

export interface RecorderFixture {
  readonly recorder: ConnectionsRecorder;
  /** The recorder's @connections endpoint; read it inside tests (it is set in beforeAll). */
  readonly endpoint: string;
}

/**
 * Starts a @connections recorder for the enclosing describe block, resets it after each test and
 * closes it, with the cached management clients, at the end.
 */
export function useConnectionsRecorder(stage = 'prod'): RecorderFixture {
  const recorder = new ConnectionsRecorder();
  let endpoint = '';
  beforeAll(async () => {
    ({ endpoint } = await recorder.start(stage));
  });
  afterEach(() => recorder.reset());
  afterAll(async () => {
    destroyManagementClients();
    await recorder.close();
  });
  return {
    recorder,
    get endpoint() {
      return endpoint;
    },
  };
}
