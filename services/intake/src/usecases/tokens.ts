import type { TokenCreate, TokenUpdate } from "@sqibs/api-client";
import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import type { TokenDoc, TokenScope } from "../repositories/documents.js";
import { type ObjectId, parseId } from "../repositories/ids.js";
import { generateSecret, hashSecret, secretPrefix } from "../tokens.js";
import { type Caller, idOrNotFound, notFound, requiredText } from "./caller.js";

export interface IssuedToken {
  token: TokenDoc;
  /** Shown once; only its SHA-256 is stored. */
  secret: string;
}

/** How long the secrets before a rotation stay valid, unless the caller says otherwise. */
export const DEFAULT_GRACE_SECONDS = 86_400;
export const MAX_GRACE_SECONDS = 30 * 86_400;

export async function issueToken(
  deps: Pick<AppDeps, "repositories" | "clock">,
  input: {
    accountId: ObjectId;
    name: string;
    scope: TokenScope;
    serviceId?: ObjectId;
    debug?: boolean;
  },
): Promise<IssuedToken> {
  const secret = generateSecret(input.scope);
  const token = await deps.repositories.tokens.create(
    {
      accountId: input.accountId,
      name: input.name,
      scope: input.scope,
      ...(input.serviceId ? { serviceId: input.serviceId } : {}),
      debug: input.debug ?? false,
      prefix: secretPrefix(secret),
      secretHash: hashSecret(secret),
    },
    deps.clock(),
  );
  return { token, secret };
}

/** POST /v1/tokens: a service token needs a service of the caller's account. */
export async function createToken(
  deps: AppDeps,
  caller: Caller,
  input: TokenCreate,
): Promise<IssuedToken> {
  const name = requiredText(input.name, "name");
  if (input.scope === "service" && input.serviceId === undefined) {
    throw new AppError("INVALID_REQUEST", "serviceId: a service token needs the service's id.", {
      errors: [{ field: "serviceId", message: "required for the service scope" }],
    });
  }
  if (input.scope !== "service" && input.serviceId !== undefined) {
    throw new AppError(
      "INVALID_REQUEST",
      `serviceId: only service tokens name a service; a ${input.scope} token does not.`,
      { errors: [{ field: "serviceId", message: "only for the service scope" }] },
    );
  }
  let serviceId: ObjectId | undefined;
  if (input.serviceId !== undefined) {
    serviceId = parseId(input.serviceId);
    const service = serviceId
      ? await deps.repositories.services.findInAccount(caller.accountId, serviceId)
      : null;
    if (!service) throw notFound("service", input.serviceId);
  }
  return issueToken(deps, {
    accountId: caller.accountId,
    name,
    scope: input.scope,
    ...(serviceId ? { serviceId } : {}),
    debug: input.debug ?? false,
  });
}

export function listTokens(deps: AppDeps, caller: Caller): Promise<TokenDoc[]> {
  return deps.repositories.tokens.listByAccount(caller.accountId);
}

/** Revokes every secret of the token at once; revoking a revoked token changes nothing. */
export async function revokeToken(deps: AppDeps, caller: Caller, tokenId: string): Promise<void> {
  const id = idOrNotFound(tokenId, "token");
  const revoked = await deps.repositories.tokens.revoke(caller.accountId, id, deps.clock());
  if (revoked) return;
  const token = await deps.repositories.tokens.findInAccount(caller.accountId, id);
  if (!token) throw notFound("token", tokenId);
}

/** Renames a token or switches its debug flag (the API call log); a revoked token is a 409. */
export async function updateToken(
  deps: AppDeps,
  caller: Caller,
  tokenId: string,
  input: TokenUpdate,
): Promise<TokenDoc> {
  const id = idOrNotFound(tokenId, "token");
  const changes: Partial<Pick<TokenDoc, "name" | "debug">> = {};
  if (input.name !== undefined) changes.name = requiredText(input.name, "name");
  if (input.debug !== undefined) changes.debug = input.debug;
  const updated = await deps.repositories.tokens.update(caller.accountId, id, changes);
  if (updated) return updated;
  const existing = await deps.repositories.tokens.findInAccount(caller.accountId, id);
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
  const existing = await deps.repositories.tokens.findInAccount(caller.accountId, id);
  if (!existing) throw notFound("token", tokenId);
  if (existing.revokedAt) throw revokedConflict(existing);
  const now = deps.clock();
  const secret = generateSecret(existing.scope);
  const token = await deps.repositories.tokens.rotate(
    caller.accountId,
    id,
    { secretHash: hashSecret(secret), prefix: secretPrefix(secret) },
    new Date(now.getTime() + graceSeconds * 1000),
    now,
  );
  if (!token) throw revokedConflict(existing);
  return { token, secret };
}

function revokedConflict(token: TokenDoc): AppError {
  return new AppError(
    "CONFLICT",
    `The token ${token._id.toHexString()} is revoked; create a new one instead.`,
  );
}
