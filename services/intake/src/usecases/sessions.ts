import { createHash, randomBytes } from "node:crypto";
import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import type { AccountDoc, TokenDoc } from "../repositories/documents.js";
import type { SessionDoc } from "../repositories/sessions.js";
import { hashSecret, sameSecret } from "../tokens.js";

/** lastSeenAt is written at most this often per session: one small write, not one per call. */
const TOUCH_EVERY_MS = 60_000;

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, stored only as its hash. */
  secret: string;
  session: SessionDoc;
  account: AccountDoc;
}

export interface LiveSession {
  session: SessionDoc;
  token: TokenDoc;
}

/** Opens a console session for an admin token that has already been authenticated. */
export async function openSession(deps: AppDeps, token: TokenDoc): Promise<OpenedSession> {
  const account = await deps.repositories.accounts.findById(token.accountId);
  if (!account) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  const secret = randomBytes(32).toString("base64url");
  const now = deps.clock();
  const session: SessionDoc = {
    _id: hashSecret(secret),
    accountId: token.accountId,
    tokenId: token._id,
    createdAt: now,
    lastSeenAt: now,
  };
  await deps.repositories.sessions.create(session);
  return { secret, session, account };
}

/**
 * The live session a cookie's secret opens, with its admin token; null when it is unknown,
 * idle for too long, signed out, or its token has been revoked.
 */
export async function findLiveSession(deps: AppDeps, secret: string): Promise<LiveSession | null> {
  const { sessions, tokens } = deps.repositories;
  const session = await sessions.findById(hashSecret(secret));
  const now = deps.clock();
  if (!session || idleEndOf(deps, session) <= now) return null;
  const token = await tokens.findInAccount(session.accountId, session.tokenId);
  if (!token || token.revokedAt || token.scope !== "admin") return null;
  await touch(deps, session, now);
  return { session, token };
}

async function touch(deps: AppDeps, session: SessionDoc, now: Date): Promise<void> {
  const seenBefore = new Date(now.getTime() - TOUCH_EVERY_MS);
  if (session.lastSeenAt >= seenBefore) return;
  try {
    await deps.repositories.sessions.touch(session._id, now, seenBefore);
    session.lastSeenAt = now;
  } catch (error) {
    // Bookkeeping only: a lost refresh ends the session a little early, the call goes on.
    deps.logger.warn({ err: error }, "could not record session use");
  }
}

export async function closeSession(deps: AppDeps, session: SessionDoc): Promise<void> {
  await deps.repositories.sessions.delete(session._id);
}

/** When the session ends unless it is used before. */
export function idleEndOf(deps: AppDeps, session: SessionDoc): Date {
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

export function isCsrfToken(secret: string, presented: string | undefined): boolean {
  return presented !== undefined && sameSecret(csrfTokenOf(secret), presented);
}
