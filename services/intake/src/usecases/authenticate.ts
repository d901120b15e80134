import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Token, TokenScope } from "../repositories/index.js";
import type { Caller } from "./caller.js";
import { enforceRateLimits } from "./rate-limit.js";
import { hashSecret, sameSecret } from "./secrets.js";
import { liveSessionOf, type SessionCredentials } from "./sessions.js";

/**
 * What a request presents to prove who it is: API tokens (every non-empty one it carries, and
 * whether one of them travelled in a URL), or a console session (which stands for the admin
 * token it was opened with).
 */
export type Credentials =
  | { kind: "api-token"; secrets: string[]; inUrl?: boolean }
  | SessionCredentials;

export const NO_TOKEN =
  "No API token: send it as 'Authorization: Bearer <token>' (ingest tokens also as the 'token' URL parameter).";

/** What the operation accepts: API tokens of these scopes. */
export interface Requirement {
  scopes: readonly TokenScope[];
}

/**
 * Credentials → token → scope → account → limits → last use: the Caller every use case
 * takes. Each refusal is the problem the API documents (401, 403, 429).
 */
export async function authenticate(
  deps: AppDeps,
  credentials: Credentials,
  requirement: Requirement,
): Promise<Caller> {
  if (credentials.kind === "session") {
    const { token, account } = await liveSessionOf(deps, credentials);
    requireScope(token, requirement);
    await enforceRateLimits(deps, token, account);
    return { token, account };
  }
  const now = deps.clock();
  const token = await tokenOf(deps, credentials.secrets, now);
  if (credentials.inUrl && token.scope === "admin") {
    // It may already sit in a proxy's or a browser's history: the caller should rotate it.
    throw new AppError(
      "UNAUTHORIZED",
      "Only ingest tokens may travel in URLs; send an admin token as 'Authorization: Bearer <token>' (and rotate this one: URLs end up in logs).",
    );
  }
  requireScope(token, requirement);
  const account = await deps.repositories.accounts.findById(token.accountId);
  if (!account) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  await enforceRateLimits(deps, token, account);
  await touchLastUsed(deps, token, now);
  return { token, account };
}

export function requireScope(token: Token, requirement: Requirement): void {
  if (requirement.scopes.includes(token.scope)) return;
  throw new AppError(
    "FORBIDDEN",
    `This endpoint takes ${requirement.scopes.join(" or ")} tokens; this is a ${token.scope} token.`,
  );
}

async function tokenOf(deps: AppDeps, secrets: string[], now: Date): Promise<Token> {
  const [first] = secrets;
  if (first === undefined) throw new AppError("UNAUTHORIZED", NO_TOKEN);
  if (secrets.some((other) => !sameSecret(first, other))) {
    throw new AppError("UNAUTHORIZED", "The request carries two different API tokens; send one.");
  }
  const token = await deps.repositories.tokens.findBySecretHash(hashSecret(first), now);
  if (!token) throw new AppError("UNAUTHORIZED", "The API token is unknown or has been revoked.");
  return token;
}

/** `lastUsedAt` moves at most once a minute per token: one small write, not one per call. */
const TOUCH_EVERY_MS = 60_000;

async function touchLastUsed(deps: AppDeps, token: Token, now: Date): Promise<void> {
  if (token.lastUsedAt && now.getTime() - token.lastUsedAt.getTime() < TOUCH_EVERY_MS) return;
  try {
    await deps.repositories.tokens.touch(token.accountId, token.id, now);
    // The cached token (cache.ts) remembers it: the next calls within the minute write nothing.
    token.lastUsedAt = now;
  } catch (error) {
    // Bookkeeping only: the call itself goes on.
    deps.logger.warn({ err: error, tokenId: token.id }, "could not record token use");
  }
}
