/**
 * Every problem the service answers, by code: its status, title and RFC 9457 type. Use cases
 * and repositories throw AppError with a code; the error middleware (http/problem.ts), the
 * answers sent before the app runs (http/http-server.ts) and the validator's errors all
 * build their problem+json from this one table.
 */
export const PROBLEMS = {
  INVALID_REQUEST: { status: 400, title: "Invalid request", type: "/problems/invalid-request" },
  UNAUTHORIZED: { status: 401, title: "Unauthorized", type: "/problems/unauthorized" },
  FORBIDDEN: { status: 403, title: "Forbidden", type: "/problems/forbidden" },
  NOT_FOUND: { status: 404, title: "Not found", type: "/problems/not-found" },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: "Method not allowed",
    type: "/problems/method-not-allowed",
  },
  REQUEST_TIMEOUT: { status: 408, title: "Request timeout", type: "/problems/request-timeout" },
  CONFLICT: { status: 409, title: "Conflict", type: "/problems/conflict" },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: "Payload too large",
    type: "/problems/payload-too-large",
  },
  URI_TOO_LONG: { status: 414, title: "URI too long", type: "/problems/uri-too-long" },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: "Unsupported media type",
    type: "/problems/unsupported-media-type",
  },
  RATE_LIMITED: { status: 429, title: "Too many requests", type: "/problems/rate-limited" },
  HEADERS_TOO_LARGE: {
    status: 431,
    title: "Request header fields too large",
    type: "/problems/request-header-fields-too-large",
  },
  INTERNAL: { status: 500, title: "Internal server error", type: "/problems/internal" },
  /** The database is unreachable or not ready: counted, and answered with Retry-After. */
  DATABASE_UNAVAILABLE: {
    status: 503,
    title: "Service unavailable",
    type: "/problems/service-unavailable",
  },
  /** Too busy (the concurrency cap): answered with Retry-After. */
  OVERLOADED: { status: 503, title: "Service unavailable", type: "/problems/service-unavailable" },
} as const satisfies Record<string, { status: number; title: string; type: string }>;

export type ErrorCode = keyof typeof PROBLEMS;

/** The code of a status that comes without one (the validator's, the body parser's). */
export function codeOfStatus(status: number): ErrorCode | undefined {
  const codes = Object.keys(PROBLEMS) as ErrorCode[];
  return codes.find((code) => PROBLEMS[code].status === status);
}

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemExtra {
  errors?: FieldError[];
  limit?: string;
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: ProblemExtra = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }
}
