import { randomBytes } from "node:crypto";
import { unescape as unescapeQuery } from "node:querystring";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { requestContext } from "../logging.js";

const INCOMING_ID = /^[\w.:-]{1,64}$/;

/** Query parameters whose values never reach a log line (names compared decoded, any case). */
const SECRET_PARAMETERS = new Set(["token"]);

/**
 * The URL with the value of every secret query parameter replaced. Names are decoded the way
 * the query parser decodes them, so `?%74oken=` or `?TOKEN=` is redacted too.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf("?");
  if (at < 0) return url;
  const pairs = url.slice(at + 1).split("&");
  const redacted = pairs.map((pair) => {
    const eq = pair.indexOf("=");
    const name = decodeQueryComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (!SECRET_PARAMETERS.has(name.trim().toLowerCase())) return pair;
    return `${eq < 0 ? pair : pair.slice(0, eq)}=[REDACTED]`;
  });
  return `${url.slice(0, at)}?${redacted.join("&")}`;
}

/** As the "simple" query parser (node:querystring) decodes a name or a value. */
export function decodeQueryComponent(text: string): string {
  return unescapeQuery(text.replace(/\+/g, " "));
}

/** A request id for every call (echoed as X-Request-Id) and one log line when it ends. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId =
      incoming && INCOMING_ID.test(incoming) ? incoming : `req-${randomBytes(8).toString("hex")}`;
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          requestId,
          method: req.method,
          url: redactUrl(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        "request",
      );
    });
    // Every log line written while this request is served carries its id (logging.ts).
    requestContext.run({ requestId }, next);
  };
}
