import { AppError } from "../errors.js";
import type { TokenDoc } from "../repositories/documents.js";
import type { Repositories } from "../repositories/index.js";
import type { AppDeps } from "./deps.js";

const WINDOW_MS = 60_000;
/** An account's own limit is re-read this often per instance (one read, not one per call). */
const ACCOUNT_LIMIT_TTL_MS = 5_000;
const ACCOUNT_CACHE_MAX = 10_000;
/** Past windows are deleted this often per instance (FerretDB has no TTL indexes). */
const CLEANUP_EVERY_MS = WINDOW_MS;

/** The optional per-token and per-account overrides the management API writes. */
type WithRateLimit = { rateLimitPerMinute?: number };

interface LimiterState {
  accountLimits: Map<string, { limit: number | undefined; readAt: number }>;
  lastCleanup: number;
}

const states = new WeakMap<Repositories, LimiterState>();

function stateOf(repositories: Repositories): LimiterState {
  let state = states.get(repositories);
  if (!state) {
    state = { accountLimits: new Map(), lastCleanup: 0 };
    states.set(repositories, state);
  }
  return state;
}

/**
 * Counts the call against its token's and its account's requests-per-minute limits and
 * throws RATE_LIMITED (429, `limit: "token"` or `"account"`, Retry-After: the seconds left in
 * the window) when one is passed. The counters are in the database, so the limits hold across
 * every instance (repositories/rate-limits.ts: exact from half the limit on, counted in memory
 * and flushed every 250 ms below it). A limit is the token's (or account's)
 * `rateLimitPerMinute` when set, else RATE_LIMIT_PER_MINUTE (ACCOUNT_RATE_LIMIT_PER_MINUTE);
 * 0 means no limit.
 */
export async function enforceRateLimits(deps: AppDeps, token: TokenDoc): Promise<void> {
  const { rateLimits } = deps.repositories;
  const state = stateOf(deps.repositories);
  const now = deps.clock().getTime();
  const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
  cleanUp(deps, state, now);

  const tokenLimit = limitOf(
    (token as TokenDoc & WithRateLimit).rateLimitPerMinute,
    deps.config.RATE_LIMIT_PER_MINUTE,
  );
  if (tokenLimit > 0) {
    const count = await rateLimits.hit("token", token._id, windowStart, WINDOW_MS, tokenLimit);
    if (count > tokenLimit) throw limited("token", tokenLimit, retryAfterSeconds);
  }

  const accountLimit = limitOf(
    await cachedAccountLimit(deps, state, token, now),
    deps.config.ACCOUNT_RATE_LIMIT_PER_MINUTE,
  );
  if (accountLimit > 0) {
    const count = await rateLimits.hit(
      "account",
      token.accountId,
      windowStart,
      WINDOW_MS,
      accountLimit,
    );
    if (count > accountLimit) throw limited("account", accountLimit, retryAfterSeconds);
  }
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

async function cachedAccountLimit(
  deps: AppDeps,
  state: LimiterState,
  token: TokenDoc,
  now: number,
): Promise<number | undefined> {
  const key = token.accountId.toHexString();
  const cached = state.accountLimits.get(key);
  if (cached && now - cached.readAt < ACCOUNT_LIMIT_TTL_MS) return cached.limit;
  const limit = await deps.repositories.rateLimits.accountLimit(token.accountId);
  if (state.accountLimits.size >= ACCOUNT_CACHE_MAX) state.accountLimits.clear();
  state.accountLimits.set(key, { limit, readAt: now });
  return limit;
}

function cleanUp(deps: AppDeps, state: LimiterState, now: number): void {
  if (now - state.lastCleanup < CLEANUP_EVERY_MS) return;
  state.lastCleanup = now;
  deps.repositories.rateLimits.deleteExpired(new Date(now)).catch((error: unknown) => {
    deps.logger.warn({ err: error }, "could not delete past rate-limit windows");
  });
}
