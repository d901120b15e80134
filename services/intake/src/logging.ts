import { AsyncLocalStorage } from "node:async_hooks";
import { type DestinationStream, type Logger, pino } from "pino";
import type { Config } from "./config.js";

interface RequestContext {
  requestId: string;
}

/** The request being served, for every log line written while serving it (see requestLog). */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/**
 * Paths pino blanks wherever they appear in a log line: credentials in headers, and the query
 * parameter. No code logs a request or its headers today; this is the second line of defence
 * (the first: request-log.ts writes only method, redacted URL, status and duration).
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["x-callgoose-auth"]',
  "req.headers.cookie",
  "req.query.token",
  "headers.authorization",
  'headers["x-callgoose-auth"]',
  "query.token",
  "err.rawPacket",
  "err.config",
  "secret",
  "*.secret",
  "secrets",
  "*.secrets",
];

/**
 * The service's JSON logger. Every line written while a request is served carries its
 * `requestId`, whichever module writes it (AsyncLocalStorage, see requestLog).
 */
export function createLogger(
  config: Pick<Config, "LOG_LEVEL">,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    mixin: () => {
      const context = requestContext.getStore();
      return context ? { requestId: context.requestId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
