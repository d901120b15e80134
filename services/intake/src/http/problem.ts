import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import type { AppDeps } from "../container.js";
import {
  AppError,
  codeOfStatus,
  type ErrorCode,
  type FieldError,
  PROBLEMS,
  type ProblemExtra,
} from "../errors.js";
import { isDatabaseUnavailable } from "../repositories/database.js";
import { loadApiDocument } from "./openapi.js";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  limit?: string;
}

/** A status the table does not name (none the service sends today). */
const UNNAMED = { title: "Error", type: "/problems/error" };

/** The problem+json body of a code (or of a bare status), from the one table in errors.ts. */
export function problemOf(
  codeOrStatus: ErrorCode | number,
  detail: string,
  extra: Omit<ProblemExtra, "retryAfterSeconds"> & { instance?: string } = {},
): Problem {
  const code = typeof codeOrStatus === "number" ? codeOfStatus(codeOrStatus) : codeOrStatus;
  const status = typeof codeOrStatus === "number" ? codeOrStatus : PROBLEMS[codeOrStatus].status;
  const { title, type } = code ? PROBLEMS[code] : UNNAMED;
  return {
    type,
    title,
    status,
    detail,
    ...(extra.instance !== undefined ? { instance: extra.instance } : {}),
    ...(extra.errors ? { errors: extra.errors } : {}),
    ...(extra.limit ? { limit: extra.limit } : {}),
  };
}

export function sendProblem(
  res: Response,
  codeOrStatus: ErrorCode | number,
  detail: string,
  extra: ProblemExtra = {},
): void {
  const problem = problemOf(codeOrStatus, detail, { ...extra, instance: res.locals.requestId });
  if (problem.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="sqibs"');
  if (extra.retryAfterSeconds !== undefined)
    res.setHeader("Retry-After", String(extra.retryAfterSeconds));
  res.status(problem.status).type("application/problem+json").send(JSON.stringify(problem));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, "NOT_FOUND", `No route for ${req.method} ${req.path}.`);
};

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  errors?: Array<{ path?: string; message?: string }>;
  message?: string;
  limit?: number;
  headers?: { Allow?: string };
}

/** The one error path: typed app errors, validator and body-parser errors, database outages. */
export function problemHandler(deps: AppDeps): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof AppError) {
      if (error.code === "DATABASE_UNAVAILABLE")
        deps.metrics.databaseErrors.inc({ kind: "unavailable" });
      const retryAfterSeconds =
        error.extra.retryAfterSeconds ??
        (error.code === "DATABASE_UNAVAILABLE" ? deps.config.RETRY_AFTER_SECONDS : undefined);
      sendProblem(res, error.code, error.message, { ...error.extra, retryAfterSeconds });
      return;
    }
    if (isDatabaseUnavailable(error)) {
      deps.metrics.databaseErrors.inc({ kind: "unavailable" });
      deps.logger.warn({ err: error, requestId: res.locals.requestId }, "database unavailable");
      sendProblem(
        res,
        "DATABASE_UNAVAILABLE",
        "The database is unreachable; nothing was stored. Retry later.",
        {
          retryAfterSeconds: deps.config.RETRY_AFTER_SECONDS,
        },
      );
      return;
    }
    const httpError = (error ?? {}) as HttpishError;
    const status = httpError.status ?? httpError.statusCode;
    if (status === 415) {
      // The validator's answer to a body whose type the operation does not list.
      const type = req.get("content-type");
      if (type)
        sendProblem(
          res,
          "UNSUPPORTED_MEDIA_TYPE",
          `This operation takes application/json, not ${type}.`,
        );
      else
        sendProblem(
          res,
          "INVALID_REQUEST",
          "This operation needs a JSON body (Content-Type: application/json).",
          {
            errors: [{ field: "body", message: "required" }],
          },
        );
      return;
    }
    if (status && status >= 400 && status < 500) {
      // RFC 9110: a 405 lists the methods the path takes (the validator names them).
      if (status === 405 && httpError.headers?.Allow)
        res.setHeader("Allow", httpError.headers.Allow.toUpperCase());
      sendProblem(res, status, describeClientError(httpError, status, req.path), {
        ...(httpError.errors ? { errors: fieldErrors(httpError.errors, req.path) } : {}),
        ...(status === 413 ? { limit: "body-size" } : {}),
      });
      return;
    }
    deps.logger.error(
      { err: error, requestId: res.locals.requestId, path: req.path },
      "unhandled error",
    );
    sendProblem(res, "INTERNAL", "An unexpected error occurred; it has been logged.");
  };
}

function describeClientError(error: HttpishError, status: number, requestPath: string): string {
  if (status === 413) {
    return `The body exceeds the limit of ${error.limit ?? "the configured"} bytes; nothing was stored.`;
  }
  if (error.type === "entity.parse.failed") return "The JSON body does not parse.";
  if (error.errors?.length) {
    return fieldErrors(error.errors, requestPath)
      .map((item) => `${item.field}: ${item.message}`)
      .join("; ");
  }
  return error.message ?? "Invalid request.";
}

function fieldErrors(
  errors: Array<{ path?: string; message?: string }>,
  requestPath: string,
): FieldError[] {
  return errors.map((item) => {
    const message = item.message ?? "";
    // The validator names the request's path for a body whose discriminator fits no shape.
    const named = /^'([^']+)' /.exec(message);
    if (named?.[1] && item.path === requestPath) {
      return { field: named[1], message: message.slice(named[0].length) };
    }
    return { field: fieldName(item.path ?? ""), message: inWords(message) };
  });
}

/**
 * Words for the patterns the document gives names to (a regular expression tells people
 * nothing); any other pattern keeps the validator's message.
 */
const PATTERN_WORDS: Record<string, string> = {
  NotBlank: "must not be blank",
  PayloadKey: "must not be blank",
  LanguageTag: "not a supported language (en, de, fr, pt-BR, zh-TW…)",
  PageCursor: "not a cursor from a previous page",
  EventCursor: "not a cursor from a previous page",
  ObjectId: "not an id (24 hexadecimal digits)",
};

let patternWords: Map<string, string> | undefined;

function inWords(message: string): string {
  const pattern = /^must match pattern "(.*)"$/s.exec(message)?.[1];
  if (pattern === undefined) return message;
  if (!patternWords) {
    const schemas = loadApiDocument().components?.schemas;
    patternWords = new Map(
      Object.entries(PATTERN_WORDS).flatMap(([name, words]) => {
        const schema = schemas?.[name] as { pattern?: string } | undefined;
        return schema?.pattern ? [[schema.pattern, words] as const] : [];
      }),
    );
  }
  return patternWords.get(pattern) ?? message;
}

const LOCATIONS = new Set(["body", "query", "params", "path", "headers"]);

/**
 * The validator's JSON-pointer-like path as the field names use cases report:
 * "/body/triggers/3/conditions/0" → "triggers[3].conditions[0]", "/query/limit" → "limit";
 * a path without a location is the body's ("/serviceId" → "serviceId").
 */
export function fieldName(path: string): string {
  const parts = path.split("/").filter(Boolean);
  const location = parts[0];
  if (location === undefined) return path;
  if (!LOCATIONS.has(location)) parts.unshift("body");
  if (parts.length === 1) return location;
  return parts
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((name, part) => {
      if (/^\d+$/.test(part) && name) return `${name}[${part}]`;
      return name ? `${name}.${part}` : part;
    }, "");
}
