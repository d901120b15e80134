import type { TokenCreate, TokenUpdate } from "@sqibs/api-client";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Token, TokenScope } from "../repositories/index.js";
import type { TokenChanges } from "../repositories/tokens.js";
import { createWithinCap } from "./account-caps.js";
import { type Caller, idOrNotFound, notFound, requiredText } from "./caller.js";
import { rateLimitSetting } from "./rate-limit.js";
import { scopeTarget } from "./scopes.js";
import { generateSecret, hashSecret, secretPrefix } from "./secrets.js";

export interface IssuedToken {
  token: Token;
  /** Shown once; only its SHA-256 is stored. */
  secret: string;
}

/** How long the secrets before a rotation stay valid, unless the caller says otherwise. */
export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 30 * 86_400;

export async function issueToken(
  deps: Pick<AppDeps, "repositories" | "clock">,
  input: {
    accountId: string;
    name: string;
    scope: TokenScope;
    teamId?: string;
    serviceId?: string;
    debug?: boolean;
  },
): Promise<IssuedToken> {
  const secret = generateSecret(input.scope);
  const token = await deps.repositories.tokens.create(
    {
      accountId: input.accountId,
      name: input.name,
      scope: input.scope,
      ...(input.teamId ? { teamId: input.teamId } : {}),
      ...(input.serviceId ? { serviceId: input.serviceId } : {}),
      debug: input.debug ?? false,
      prefix: secretPrefix(secret),
      secretHash: hashSecret(secret),
    },
    deps.clock(),
  );
  return { token, secret };
}

/**
 * POST /v1/tokens: a team token needs a team, a service token a service, of the caller's
 * account (the schema's one shape per scope says which fields go with which scope); at most
 * MAX_TOKENS_PER_ACCOUNT live.
 */
export async function createToken(
  deps: AppDeps,
  caller: Caller,
  input: TokenCreate,
): Promise<IssuedToken> {
  const name = requiredText(input.name, "name");
  const target = await scopeTarget(deps, caller, "token", input);
  return createWithinCap(deps, caller, "tokens", () =>
    issueToken(deps, {
      accountId: caller.account.id,
      name,
      scope: input.scope,
      ...target,
      debug: input.debug ?? false,
    }),
  );
}

export function listTokens(deps: AppDeps, caller: Caller): Promise<Token[]> {
  return deps.repositories.tokens.listByAccount(caller.account.id);
}

/** Revokes every secret of the token at once; revoking a revoked token changes nothing. */
export async function revokeToken(deps: AppDeps, caller: Caller, tokenId: string): Promise<void> {
  const id = idOrNotFound(tokenId, "token");
  const revoked = await deps.repositories.tokens.revoke(caller.account.id, id, deps.clock());
  if (revoked) return;
  const token = await deps.repositories.tokens.findInAccount(caller.account.id, id);
  if (!token) throw notFound("token", tokenId);
}

/**
 * Renames a token, switches its debug flag (the API call log) or sets its own rate limit
 * (never above the configured default); a revoked token is a 409.
 */
export async function updateToken(
  deps: AppDeps,
  caller: Caller,
  tokenId: string,
  input: TokenUpdate,
): Promise<Token> {
  const id = idOrNotFound(tokenId, "token");
  const changes: TokenChanges = {};
  if (input.name !== undefined) changes.name = requiredText(input.name, "name");
  if (input.debug !== undefined) changes.debug = input.debug;
  if (input.rateLimitPerMinute !== undefined) {
    changes.rateLimitPerMinute = rateLimitSetting(
      input.rateLimitPerMinute,
      deps.config.RATE_LIMIT_PER_MINUTE,
      "RATE_LIMIT_PER_MINUTE",
    );
  }
  const updated = await deps.repositories.tokens.update(caller.account.id, id, changes);
  if (updated) return updated;
  const existing = await deps.repositories.tokens.findInAccount(caller.account.id, id);
  if (!existing) throw notFound("token", tokenId);
  throw revokedConflict(existing);
}

/** A new secret; the ones before it stay valid for the grace period (0 ends them now). */
export async function rotateToken(
  deps: AppDeps,
  caller: Caller,
  tokenId: string,
  graceSeconds: number = DEFAULT_GRACE_SECONDS,
): Promise<IssuedToken> {
  const id = idOrNotFound(tokenId, "token");
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new AppError(
      "INVALID_REQUEST",
      `graceSeconds: an integer from 0 to ${MAX_GRACE_SECONDS}.`,
      {
        errors: [{ field: "graceSeconds", message: `an integer from 0 to ${MAX_GRACE_SECONDS}` }],
      },
    );
  }
  const existing = await deps.repositories.tokens.findInAccount(caller.account.id, id);
  if (!existing) throw notFound("token", tokenId);
  if (existing.revokedAt) throw revokedConflict(existing);
  const now = deps.clock();
  const secret = generateSecret(existing.scope);
  const token = await deps.repositories.tokens.rotate(
    caller.account.id,
    id,
    { secretHash: hashSecret(secret), prefix: secretPrefix(secret) },
    new Date(now.getTime() + graceSeconds * 1000),
    now,
  );
  if (!token) throw revokedConflict(existing);
  return { token, secret };
}

function revokedConflict(token: Token): AppError {
  return new AppError("CONFLICT", `The token ${token.id} is revoked; create a new one instead.`);
}
