import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { ErrorCode } from "../errors.js";
import { SECURITY_HEADERS } from "./limits.js";
import { problemOf } from "./problem.js";

// node:http by getBuiltinModule, not an ES import: an ES import reads every export, and its
// lazy WebSocket getters load undici, about 5 MiB never used (bench/README.md, "Service
// memory: code loaded at rest"; test/hardening/launcher.test.ts in @sqibs/intake).
const { createServer, STATUS_CODES } = process.getBuiltinModule("node:http");

export type HttpServerConfig = Pick<
  Config,
  "MAX_HEADER_BYTES" | "HEADERS_TIMEOUT_MS" | "REQUEST_TIMEOUT_MS" | "KEEP_ALIVE_TIMEOUT_MS"
>;

const IN_FLIGHT = Symbol("inFlight");
type TrackedServer = Server & { [IN_FLIGHT]?: Set<ServerResponse> };

/**
 * The HTTP server in front of the app, with the limits Node enforces before Express runs:
 * the size of the request line and headers together (`maxHeaderSize`: 431 above), the time
 * to receive the headers (`headersTimeout`) and the whole request (`requestTimeout`: 408,
 * so a client that trickles bytes is cut off). server.ts and the tests share it.
 */
export function createHttpServer(
  app: RequestListener,
  config: HttpServerConfig,
  logger?: Logger,
): Server {
  const requestTimeout = config.REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(config.HEADERS_TIMEOUT_MS, requestTimeout);
  const server: TrackedServer = createServer(
    {
      maxHeaderSize: config.MAX_HEADER_BYTES,
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
      // Node checks the two timeouts on this period (30 s by default): check often enough
      // that a timeout is enforced close to its value.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
    app,
  );
  server.requestTimeout = requestTimeout;
  server.headersTimeout = headersTimeout;
  server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
  const inFlight = new Set<ServerResponse>();
  server[IN_FLIGHT] = inFlight;
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    res.once("finish", () => closeUnreadBody(req));
    if (!server.listening) res.shouldKeepAlive = false;
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const status = answerClientError(error, socket);
    // The code only: the request's raw bytes (error.rawPacket) may hold credentials.
    if (status) logger?.info({ code: error.code, status }, "client error");
  });
  return server;
}

/**
 * How long a request answered before its body was read (refused at the door: no valid
 * credential, too many at once) may still send it. Node discards what arrives, so a client
 * that sent its whole body reads the answer and keeps its connection; one that trickles is
 * cut off when this passes, and never holds more than a socket until then.
 */
const UNREAD_BODY_LINGER_MS = 1_000;

function closeUnreadBody(req: IncomingMessage): void {
  if (req.complete) return;
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), UNREAD_BODY_LINGER_MS);
  timer.unref();
  // A kept-alive socket serves many requests: leave no listener on it once this one is over.
  const stop = (): void => {
    clearTimeout(timer);
    req.off("end", stop);
    socket.off("close", stop);
  };
  req.once("end", stop);
  socket.once("close", stop);
}

/** Requests being served now (received, not yet answered). */
export function inFlightRequests(server: Server): number {
  return (server as TrackedServer)[IN_FLIGHT]?.size ?? 0;
}

/**
 * Stops accepting connections and resolves once every in-flight request is answered: each
 * answer then closes its connection, and idle keep-alive connections are closed at once.
 * Resolves false when `timeoutMs` passes first (the caller exits anyway).
 */
export function closeGracefully(server: Server, timeoutMs: number): Promise<boolean> {
  const inFlight = (server as TrackedServer)[IN_FLIGHT] ?? new Set<ServerResponse>();
  for (const res of inFlight) {
    res.shouldKeepAlive = false;
    if (!res.headersSent) res.setHeader("Connection", "close");
  }
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      clearInterval(reaper);
      resolve(false);
    }, timeoutMs);
    // A connection that finished its last answer becomes idle: close it (Node's close() only
    // closes the ones idle at the moment it is called).
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(deadline);
      clearInterval(reaper);
      resolve(true);
    });
    server.closeIdleConnections();
  });
}

/** What Node's own refusals are, in the problem table's terms. */
const CLIENT_ERRORS: Record<string, [ErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: ["HEADERS_TOO_LARGE", "The request line and headers exceed the size limit."],
  ERR_HTTP_REQUEST_TIMEOUT: [
    "REQUEST_TIMEOUT",
    "The request was not received in time; the connection is closed.",
  ],
  ERR_HTTP_HEADERS_TIMEOUT: [
    "REQUEST_TIMEOUT",
    "The request headers were not received in time; the connection is closed.",
  ],
};

/**
 * Errors Node meets before the app sees the request (malformed HTTP, headers too large,
 * timeouts) answered as problem+json. Nothing from the request is logged: its raw bytes
 * (`error.rawPacket`) may hold credentials.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): number | undefined {
  const pending = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return undefined;
  }
  const [code, detail] = CLIENT_ERRORS[error.code ?? ""] ?? [
    "INVALID_REQUEST",
    "The request is not valid HTTP.",
  ];
  const problem = problemOf(code, detail);
  const body = JSON.stringify(problem);
  const headers = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
    "Content-Type: application/problem+json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${headers.join("\r\n")}\r\n\r\n${body}`);
  return problem.status;
}
