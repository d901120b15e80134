import { createHash, randomBytes } from "node:crypto";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Account, ConsoleSession, Token } from "../repositories/index.js";
import type { Caller } from "./caller.js";
import { hashSecret, sameSecret } from "./secrets.js";

/** lastSeenAt is written at most this often per session: one small write, not one per call. */
const TOUCH_EVERY_MS = 60_000;

/**
 * What a request presents for a console session: the cookie's secret, whether the call
 * changes something, and the CSRF token such a call must carry.
 */
export interface SessionCredentials {
  kind: "session";
  secret: string | undefined;
  changes: boolean;
  csrfToken: string | undefined;
}

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, stored only as its hash. */
  secret: string;
  session: ConsoleSession;
  account: Account;
}

export interface LiveSession {
  secret: string;
  session: ConsoleSession;
  token: Token;
  account: Account;
}

/** Opens a console session for an admin token that has already been authenticated. */
export async function openSession(deps: AppDeps, caller: Caller): Promise<OpenedSession> {
  const secret = randomBytes(32).toString("base64url");
  const now = deps.clock();
  const session: ConsoleSession = {
    id: hashSecret(secret),
    accountId: caller.account.id,
    tokenId: caller.token.id,
    createdAt: now,
    lastSeenAt: now,
  };
  await deps.repositories.sessions.create(session);
  return { secret, session, account: caller.account };
}

/**
 * The live session the credentials name, with its admin token and account: 401 when there is
 * none (unknown, idle for too long, signed out, its token revoked); 403 when a call that
 * changes something lacks the session's CSRF token.
 */
export async function liveSessionOf(
  deps: AppDeps,
  credentials: SessionCredentials,
): Promise<LiveSession> {
  const { secret } = credentials;
  const live = secret === undefined ? null : await findLiveSession(deps, secret);
  if (!secret || !live) {
    throw new AppError(
      "UNAUTHORIZED",
      secret
        ? "The console session has ended (signed out, idle too long, or its token revoked); sign in again."
        : "No API token and no console session: send 'Authorization: Bearer <token>', or sign in.",
    );
  }
  if (credentials.changes && !isCsrfToken(secret, credentials.csrfToken)) {
    throw new AppError(
      "FORBIDDEN",
      "A call that changes something with a console session needs the session's X-CSRF-Token header.",
    );
  }
  return live;
}

async function findLiveSession(deps: AppDeps, secret: string): Promise<LiveSession | null> {
  const { sessions, tokens, accounts } = deps.repositories;
  const session = await sessions.findById(hashSecret(secret));
  const now = deps.clock();
  if (!session || idleEndOf(deps, session) <= now) return null;
  const token = await tokens.findInAccount(session.accountId, session.tokenId);
  if (!token || token.revokedAt || token.scope !== "admin") return null;
  const account = await accounts.findById(session.accountId);
  if (!account) return null;
  await touch(deps, session, now);
  return { secret, session, token, account };
}

async function touch(deps: AppDeps, session: ConsoleSession, now: Date): Promise<void> {
  const seenBefore = new Date(now.getTime() - TOUCH_EVERY_MS);
  if (session.lastSeenAt >= seenBefore) return;
  try {
    await deps.repositories.sessions.touch(session.id, now, seenBefore);
    session.lastSeenAt = now;
  } catch (error) {
    // Bookkeeping only: a lost refresh ends the session a little early, the call goes on.
    deps.logger.warn({ err: error }, "could not record session use");
  }
}

export async function closeSession(deps: AppDeps, session: ConsoleSession): Promise<void> {
  await deps.repositories.sessions.delete(session.id);
}

/** When the session ends unless it is used before. */
export function idleEndOf(deps: Pick<AppDeps, "config">, session: ConsoleSession): Date {
  return new Date(session.lastSeenAt.getTime() + deps.config.SESSION_IDLE_SECONDS * 1000);
}

/** Forgets the sessions that have been idle past their end (the sweeper's pass). */
export function forgetIdleSessions(deps: AppDeps): Promise<number> {
  const cutoff = new Date(deps.clock().getTime() - deps.config.SESSION_IDLE_SECONDS * 1000);
  return deps.repositories.sessions.deleteIdleSince(cutoff);
}

/**
 * The session's CSRF token: derived from the cookie's secret (a page of another site can
 * neither read the cookie nor this value), so nothing more is stored.
 */
export function csrfTokenOf(secret: string): string {
  return createHash("sha256").update(`csrf:${secret}`, "utf8").digest("base64url");
}

function isCsrfToken(secret: string, presented: string | undefined): boolean {
  return presented !== undefined && sameSecret(csrfTokenOf(secret), presented);
}
