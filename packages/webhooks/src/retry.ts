/**
 * When to try a delivery again, and when an endpoint has failed long enough to be disabled.
 * Pure: the caller passes the clock and the randomness.
 */

export interface RetryPolicy {
  /** The wait after the first failed attempt, doubled after each further one. */
  firstDelayMs: number;
  /** The longest wait between two attempts. */
  maxDelayMs: number;
  /** How long after the first attempt a delivery is retried; then it is `failed`. */
  retryForMs: number;
  /** A receiver's Retry-After longer than this is cut to it. */
  maxRetryAfterMs: number;
}

const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 10 * SECOND,
  maxDelayMs: HOUR,
  retryForMs: DAY,
  maxRetryAfterMs: HOUR,
};

/** An endpoint with no successful delivery for this long is disabled. */
export const DEFAULT_DISABLE_AFTER_MS = 5 * DAY;

export interface RetryInput {
  /** Attempts made so far, the failed one included (1 after the first attempt). */
  attempts: number;
  firstAttemptAt: Date;
  now: Date;
  /** The failed attempt's Retry-After, in seconds from now. */
  retryAfterSeconds?: number;
  /** A number in [0, 1); Math.random in production, fixed in tests. */
  random: number;
}

export type RetryDecision = { retry: true; at: Date } | { retry: false };

/**
 * After a retryable failure: exponential back-off with "equal jitter" (half the wait fixed,
 * half random, so instances that failed together do not retry together), at least the
 * receiver's Retry-After (capped), and never past the end of the retry period, where one last
 * attempt is made. After the last attempt, no retry: the delivery is failed.
 */
export function nextAttempt(policy: RetryPolicy, input: RetryInput): RetryDecision {
  const deadline = input.firstAttemptAt.getTime() + policy.retryForMs;
  const now = input.now.getTime();
  if (now >= deadline) return { retry: false };
  const exponent = Math.min(Math.max(input.attempts - 1, 0), 52);
  const backoff = Math.min(policy.firstDelayMs * 2 ** exponent, policy.maxDelayMs);
  const jittered = backoff / 2 + input.random * (backoff / 2);
  const asked =
    input.retryAfterSeconds === undefined
      ? 0
      : Math.min(input.retryAfterSeconds * SECOND, policy.maxRetryAfterMs);
  const at = Math.min(now + Math.max(jittered, asked), deadline);
  return { retry: true, at: new Date(Math.ceil(at)) };
}

/**
 * A Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as seconds from
 * `now` (0 for a date in the past); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  // A date has letters (a day or month name); a bare or signed number is not one.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / SECOND));
}

export interface EndpointHealth {
  /** The endpoint's last successful delivery, if any. */
  lastSuccessAt?: Date;
  /** The first failed attempt after that success (or ever, without one); none while healthy. */
  failingSince?: Date;
}

/** The health after one more attempt: a success clears the failing period, a failure starts one. */
export function healthAfterAttempt(
  health: EndpointHealth,
  attempt: { at: Date; succeeded: boolean },
): EndpointHealth {
  if (attempt.succeeded) return { lastSuccessAt: attempt.at };
  return { ...health, failingSince: health.failingSince ?? attempt.at };
}

export type DisableDecision = { disable: false } | { disable: true; reason: string };

/** An endpoint failing without a success for `disableAfterMs` is disabled, with the reason. */
export function disableDecision(
  health: EndpointHealth,
  now: Date,
  disableAfterMs: number = DEFAULT_DISABLE_AFTER_MS,
): DisableDecision {
  const since = health.failingSince;
  if (!since || now.getTime() - since.getTime() < disableAfterMs) return { disable: false };
  const last = health.lastSuccessAt
    ? `the last success was at ${health.lastSuccessAt.toISOString()}`
    : "no delivery has ever succeeded";
  return {
    disable: true,
    reason: `Every delivery since ${since.toISOString()} failed (${describeDuration(disableAfterMs)} without a success); ${last}.`,
  };
}

function describeDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} day${ms === DAY ? "" : "s"}`;
  if (ms % HOUR === 0) return `${ms / HOUR} hour${ms === HOUR ? "" : "s"}`;
  return `${Math.round(ms / SECOND)} s`;
}
