import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Account, Token } from "../repositories/index.js";

const WINDOW_MS = 60_000;
/** Past windows are deleted this often per instance (FerretDB has no TTL indexes). */
const CLEANUP_EVERY_MS = WINDOW_MS;

/**
 * Per-token and per-account request limits, in fixed one-minute windows counted in the
 * database (so they hold across instances). A limit is the token's (or account's)
 * `rateLimitPerMinute` when set, else RATE_LIMIT_PER_MINUTE (ACCOUNT_RATE_LIMIT_PER_MINUTE);
 * 0 means no limit.
 */
export async function enforceRateLimits(
  deps: Pick<AppDeps, "repositories" | "clock" | "config" | "logger" | "rateLimiter">,
  token: Token,
  account: Account,
): Promise<void> {
  const { rateLimits } = deps.repositories;
  const now = deps.clock().getTime();
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
  cleanUp(deps, now);

  const tokenLimit = limitOf(token.rateLimitPerMinute, deps.config.RATE_LIMIT_PER_MINUTE);
  if (tokenLimit > 0) {
    const count = await rateLimits.hit("token", token.id, windowStart, WINDOW_MS, tokenLimit);
    if (count > tokenLimit) throw limited("token", tokenLimit, retryAfterSeconds);
  }

  const accountLimit = limitOf(
    account.rateLimitPerMinute,
    deps.config.ACCOUNT_RATE_LIMIT_PER_MINUTE,
  );
  if (accountLimit > 0) {
    const count = await rateLimits.hit("account", account.id, windowStart, WINDOW_MS, accountLimit);
    if (count > accountLimit) throw limited("account", accountLimit, retryAfterSeconds);
  }
}

/**
 * A token's or account's own limit as the management API sets it: it may tighten the
 * configured default, never loosen it (a 422 above it; any value when the default is 0, none).
 * `null` removes it, so the default applies again.
 */
export function rateLimitSetting(
  value: number | null,
  ceiling: number,
  setting: "RATE_LIMIT_PER_MINUTE" | "ACCOUNT_RATE_LIMIT_PER_MINUTE",
): number | null {
  if (value === null || ceiling === 0 || value <= ceiling) return value;
  throw new AppError(
    "UNPROCESSABLE",
    `rateLimitPerMinute: at most ${ceiling}, the service's limit (${setting}); the API can tighten a limit, not loosen it.`,
    { errors: [{ field: "rateLimitPerMinute", message: `at most ${ceiling}` }] },
  );
}

function limitOf(own: number | undefined, fallback: number): number {
  return typeof own === "number" && Number.isFinite(own) && own >= 0 ? own : fallback;
}

function limited(scope: "token" | "account", limit: number, retryAfterSeconds: number): AppError {
  return new AppError(
    "RATE_LIMITED",
    `The ${scope} rate limit of ${limit} requests per minute is exceeded; nothing was stored. Retry after ${retryAfterSeconds} s.`,
    { limit: scope, retryAfterSeconds },
  );
}

function cleanUp(deps: Pick<AppDeps, "repositories" | "logger" | "rateLimiter">, now: number) {
  const monotonicNow = performance.now();
  if (monotonicNow - deps.rateLimiter.lastCleanupAt < CLEANUP_EVERY_MS) return;
  deps.rateLimiter.lastCleanupAt = monotonicNow;
  deps.repositories.rateLimits.deleteExpired(new Date(now)).catch((error: unknown) => {
    deps.logger.warn({ err: error }, "could not delete past rate-limit windows");
  });
}
