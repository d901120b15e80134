import { randomBytes } from "node:crypto";
import { unescape as unescapeQuery } from "node:querystring";
import type { Request, RequestHandler, Response } from "express";
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

/** Random bytes for request ids, drawn from the CSPRNG 4 KiB at a time instead of per call. */
const ID_BYTES = 8;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** `req-` and 16 random hex digits. */
function newRequestId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(512 * ID_BYTES);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return `req-${idPool.toString("hex", idOffset - ID_BYTES, idOffset)}`;
}

/**
 * A request id for every call (echoed as X-Request-Id) and one log line when it ends (when
 * the level logs it: the line is not even built otherwise).
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get("x-request-id");
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : newRequestId();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    if (logger.isLevelEnabled("info")) logWhenDone(logger, req, res, requestId);
    // Every log line written while this request is served carries its id (logging.ts).
    requestContext.run({ requestId }, next);
  };
}

function logWhenDone(logger: Logger, req: Request, res: Response, requestId: string): void {
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
}
