import { EventEmitter, once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of a local server. `freeze()` makes it a network
 * that stops answering: connections stay open, bytes in either direction are dropped. Emits
 * `dropped` each time it swallows bytes from the client, so a test can wait for a request to be
 * stuck instead of sleeping.
 */
export class FreezableProxy extends EventEmitter {
  private frozen = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {
    super();
  }

  static async start(targetPort: number): Promise<FreezableProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const proxy = new FreezableProxy(server, `http://127.0.0.1:${port}`);
    server.on('connection', (client) => proxy.relay(client, targetPort));
    return proxy;
  }

  freeze(): void {
    this.frozen = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private relay(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // A destroyed peer is expected when the test closes everything.
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (this.frozen) this.emit('dropped');
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!this.frozen) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
