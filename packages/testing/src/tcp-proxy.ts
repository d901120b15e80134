import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  /** The database URI through the proxy. */
  uri: string;
  /** Drops every connection and refuses new ones: to the service, the database is down. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port: the database is back. */
  restore(): Promise<void>;
  /**
   * Keeps every connection open but forwards nothing: a network partition, where a refused
   * connection would be a clean outage.
   */
  freeze(): void;
  /** Forwards again, after dropping the connections that lost bytes while frozen. */
  thaw(): void;
  close(): Promise<void>;
}

/**
 * Keeps a proxied connection's two sockets in `sockets` while they are open; an error on
 * either ends both.
 */
export function keepPair(client: Socket, upstream: Socket, sockets: Set<Socket>): void {
  for (const socket of [client, upstream]) {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {
      client.destroy();
      upstream.destroy();
    });
  }
}

/**
 * A loopback TCP proxy in front of a mongodb:// URI. Outage tests cut or freeze it to take the
 * database away from the service without stopping the database the rest of the run shares (or
 * one that MONGODB_URI names and this run does not own).
 */
export async function startTcpProxy(targetUri: string): Promise<TcpProxy> {
  const target = new URL(targetUri);
  const targetPort = Number(target.port || 27017);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let frozen = false;

  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(targetPort, target.hostname);
        keepPair(client, upstream, sockets);
        client.on("data", (chunk: Buffer) => {
          if (!frozen) upstream.write(chunk);
        });
        upstream.on("data", (chunk: Buffer) => {
          if (!frozen) client.write(chunk);
        });
      });
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        const address = next.address();
        if (typeof address === "object" && address) port = address.port;
        server = next;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      dropConnections();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  const uri = new URL(targetUri);
  uri.hostname = "127.0.0.1";
  uri.port = String(port);
  return {
    uri: uri.toString(),
    cut: stop,
    restore: listen,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      dropConnections();
    },
    close: stop,
  };
}
