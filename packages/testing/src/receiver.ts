// A webhook receiver for tests: a real HTTP(S) server in the test process, on a free port,
// that records every request and answers as the test says (outgoing webhooks, issue 13).
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remoteAddress: string | undefined;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` (or the host it listens on), without a trailing slash. */
  origin: string;
  port: number;
  received: Received[];
  /** Connections accepted, whether or not a request came through them. */
  connections: number;
  close: () => Promise<void>;
}

export type Handler = (request: Received, response: http.ServerResponse) => void | Promise<void>;

/**
 * A real HTTP(S) receiver in the test process, on a free port: it records every request and
 * answers with `handler` (204 by default).
 */
export async function startReceiver(
  handler: Handler = (_request, response) => {
    response.writeHead(204).end();
  },
  options: { host?: string; tls?: { key: string; cert: string } } = {},
): Promise<Receiver> {
  const received: Received[] = [];
  const listener: http.RequestListener = async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const entry: Received = {
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      remoteAddress: request.socket.remoteAddress,
    };
    received.push(entry);
    await handler(entry, response);
  };
  const server = options.tls
    ? https.createServer(options.tls, listener)
    : http.createServer(listener);
  const state = { connections: 0 };
  server.on("connection", () => {
    state.connections++;
  });
  const host = options.host ?? "127.0.0.1";
  server.listen(0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    origin: `${options.tls ? "https" : "http"}://${shownHost}:${port}`,
    port,
    received,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
