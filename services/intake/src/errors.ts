/**
 * Every problem the service answers, by code: its status, title and RFC 9457 type. Use cases
 * and repositories throw AppError with a code; the error middleware (http/problem.ts), the
 * answers sent before the app runs (http/http-server.ts) and the validator's errors all
 * build their problem+json from this one table.
 */
const problem = (status: number, title: string, slug: string) =>
  ({ status, title, type: `/problems/${slug}` }) as const;

export const PROBLEMS = {
  INVALID_REQUEST: problem(400, "Invalid request", "invalid-request"),
  /**
   * A webhook URL the schema takes but the operator's address policy refuses (a refused
   * range, plain http, a blocked port): a 400 as the issue asks, with its own type so clients
   * tell it from a request that breaks the schema.
   */
  WEBHOOK_URL_REFUSED: problem(400, "Webhook URL refused", "webhook-url-refused"),
  UNAUTHORIZED: problem(401, "Unauthorized", "unauthorized"),
  FORBIDDEN: problem(403, "Forbidden", "forbidden"),
  NOT_FOUND: problem(404, "Not found", "not-found"),
  METHOD_NOT_ALLOWED: problem(405, "Method not allowed", "method-not-allowed"),
  REQUEST_TIMEOUT: problem(408, "Request timeout", "request-timeout"),
  CONFLICT: problem(409, "Conflict", "conflict"),
  /** An account holds as many of a resource as it may (usecases/account-caps.ts). */
  ACCOUNT_LIMIT: problem(409, "Account limit reached", "account-limit-reached"),
  PAYLOAD_TOO_LARGE: problem(413, "Payload too large", "payload-too-large"),
  URI_TOO_LONG: problem(414, "URI too long", "uri-too-long"),
  UNSUPPORTED_MEDIA_TYPE: problem(415, "Unsupported media type", "unsupported-media-type"),
  /**
   * Well-formed and valid against the schema, but against a rule the schema cannot state (an
   * order between two fields, a reused Idempotency-Key, a limit set by the operator). 400
   * stays for what breaks the schema (and a refused webhook URL, above).
   */
  UNPROCESSABLE: problem(422, "Unprocessable content", "unprocessable-content"),
  RATE_LIMITED: problem(429, "Too many requests", "rate-limited"),
  HEADERS_TOO_LARGE: problem(
    431,
    "Request header fields too large",
    "request-header-fields-too-large",
  ),
  INTERNAL: problem(500, "Internal server error", "internal"),
  /** The database is unreachable or not ready: counted, and answered with Retry-After. */
  DATABASE_UNAVAILABLE: problem(503, "Service unavailable", "service-unavailable"),
  /** Too busy (the concurrency cap): answered with Retry-After. */
  OVERLOADED: problem(503, "Service unavailable", "service-unavailable"),
};

export type ErrorCode = keyof typeof PROBLEMS;

/**
 * The code of a status that comes without one (the validator's, the body parser's): the
 * first of that status in the table, the general one (INVALID_REQUEST for 400).
 */
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
