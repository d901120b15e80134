import type { Request, RequestHandler, Response } from "express";
import type { Gauge } from "prom-client";
import { HEALTH_PATH } from "./paths.js";
import { sendProblem } from "./problem.js";
import { contentCodingOf } from "./raw-body.js";

/**
 * Sent on every answer. The API serves JSON only: nothing may be sniffed, framed, cached
 * (management answers hold account data; ingest answers are per call) or leak a referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
  "Referrer-Policy": "no-referrer",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
};

/**
 * URLs longer than the limit are answered 414 (the request line and headers together are
 * capped lower down by the server's maxHeaderSize: 431).
 */
export function urlLimit(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    if (Buffer.byteLength(req.originalUrl) <= maxBytes) return next();
    sendProblem(res, "URI_TOO_LONG", `The URL exceeds the limit of ${maxBytes} bytes.`, {
      limit: "url-size",
    });
  };
}

/**
 * At most `max` bodies read at once from one client address (0: no cap); above it 429 with
 * Retry-After, before its body is read. Runs after authentication, so a client that trickles
 * bodies with a valid token holds at most `max` of the service's concurrent requests, and one
 * without a valid token none (http/auth.ts answers it first). Behind a reverse proxy, the
 * address is the one X-Forwarded-For names when TRUST_PROXY says to believe it.
 */
export function bodyReadsPerClient(max: number, retryAfterSeconds: number): RequestHandler {
  const reading = new Map<string, number>();
  return (req, res, next) => {
    if (max === 0 || !hasBody(req)) return next();
    const client = clientKey(req.ip ?? req.socket.remoteAddress ?? "");
    const count = reading.get(client) ?? 0;
    if (count >= max) {
      sendProblem(
        res,
        "RATE_LIMITED",
        `This address is already sending ${max} request bodies at once; nothing was stored. Retry once one of them is done.`,
        { limit: "client-uploads", retryAfterSeconds },
      );
      return;
    }
    reading.set(client, count + 1);
    onceDone(req, res, () => {
      const left = (reading.get(client) ?? 1) - 1;
      if (left > 0) reading.set(client, left);
      else reading.delete(client);
    });
    next();
  };
}

/**
 * Calls `release` once, when the request stops counting: its body is read (`req` given), its
 * answer is sent (a refusal's is at once, whatever its connection still sends), or either
 * side closed. A request whose connection closed before it got here (while it was
 * authenticated, which may wait for the database) has had its last event already: released
 * at once, or its place would stay taken for the life of the process.
 */
function onceDone(req: Request | undefined, res: Response, release: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    release();
  };
  if (res.closed) {
    once();
    return;
  }
  req?.once("end", once);
  req?.once("close", once);
  res.once("finish", once);
  res.once("close", once);
}

function hasBody(req: Request): boolean {
  const length = req.get("content-length");
  return req.get("transfer-encoding") !== undefined || (length !== undefined && length !== "0");
}

/** IPv6 clients are counted per /64 (one host commonly holds a whole /64). */
function clientKey(address: string): string {
  const ip = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.split("::");
  const groups = head ? head.split(":") : [];
  if (groups.length < 4 && tail) {
    const rest = tail.split(":");
    const missing = 8 - groups.length - rest.length;
    groups.push(...Array(Math.max(missing, 0)).fill("0"), ...rest);
  }
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/**
 * At most `max` requests served at once (0: no cap); above it 503 with Retry-After, before
 * the body is read. Senders such as Alertmanager retry 5xx.
 */
export function concurrencyLimit(max: number, retryAfterSeconds: number): RequestHandler {
  let active = 0;
  return (req, res, next) => {
    // Health probes are never turned away: an overloaded service is still alive.
    if (max === 0 || HEALTH_PATH.test(req.path)) return next();
    if (active >= max) {
      sendProblem(
        res,
        "OVERLOADED",
        `The service is serving its limit of ${max} concurrent requests; nothing was stored. Retry later.`,
        { limit: "concurrency", retryAfterSeconds },
      );
      return;
    }
    active += 1;
    onceDone(undefined, res, () => {
      active -= 1;
    });
    next();
  };
}

/**
 * At most `room.bodies` request bodies, and at most `room.bytes` bytes of them, held at once,
 * counted before a body is read: a body declared by its Content-Length (and not compressed)
 * reserves that many bytes, any other (chunked, or compressed: it may inflate up to the limit)
 * reserves `bodyLimit`. A request that does not fit waits, unread, in arrival order until
 * earlier ones are answered (its sender's TCP window fills meanwhile); the request timeout
 * still ends a wait that lasts too long, and MAX_CONCURRENT_REQUESTS bounds the queue.
 * Memory is then bounded by the room rather than by MAX_CONCURRENT_REQUESTS ×
 * BODY_LIMIT_BYTES, and small calls past the count wait instead of each holding its body,
 * parsed JSON and the driver's serialized writes at once (README "Operations").
 */
export function bodyAdmission(
  room: { bodies: number; bytes: number },
  bodyLimit: number,
  gauges: { bytes: Gauge; waiting: Gauge },
): RequestHandler {
  let bodies = 0;
  let inFlight = 0;
  const waiting: Array<{ bytes: number; admit: () => void }> = [];
  const fits = (bytes: number) =>
    bodies === 0 || (bodies < room.bodies && inFlight + bytes <= room.bytes);
  const admitWaiting = () => {
    for (let next = waiting[0]; next && fits(next.bytes); next = waiting[0]) {
      waiting.shift();
      next.admit();
    }
    gauges.waiting.set(waiting.length);
  };
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    const entry = {
      bytes: reservedBytes(req, bodyLimit),
      admit: () => {
        bodies += 1;
        inFlight += entry.bytes;
        gauges.bytes.set(inFlight);
        onceDone(undefined, res, () => {
          bodies -= 1;
          inFlight -= entry.bytes;
          gauges.bytes.set(inFlight);
          admitWaiting();
        });
        next();
      },
    };
    res.once("close", () => {
      const index = waiting.indexOf(entry);
      if (index < 0) return;
      waiting.splice(index, 1);
      admitWaiting();
    });
    waiting.push(entry);
    admitWaiting();
  };
}

function reservedBytes(req: Request, bodyLimit: number): number {
  const length = Number(req.get("content-length"));
  const plain = contentCodingOf(req) === "identity";
  return plain && Number.isSafeInteger(length) && length >= 0
    ? Math.min(length, bodyLimit)
    : bodyLimit;
}
