import type { RequestHandler } from "express";
import { HEALTH_PATH } from "./paths.js";
import { sendProblem } from "./problem.js";

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
    res.once("close", () => {
      active -= 1;
    });
    next();
  };
}
