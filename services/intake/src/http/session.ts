import type { Request, Response } from "express";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import type { TokenDoc } from "../repositories/documents.js";
import { findLiveSession, isCsrfToken, type LiveSession } from "../usecases/sessions.js";
import type { AppDeps } from "./deps.js";

/** The console's session cookie (openapi: securitySchemes.sessionCookie). */
export const SESSION_COOKIE = "sqibs_session";
/** The header that calls changing something carry with a session (securitySchemes.csrfHeader). */
export const CSRF_HEADER = "X-CSRF-Token";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The session cookie's value, if the request carries one. */
export function sessionSecretOf(req: Request): string | undefined {
  for (const pair of (req.get("cookie") ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === SESSION_COOKIE) {
      const value = pair.slice(at + 1).trim();
      return value === "" ? undefined : value;
    }
  }
  return undefined;
}

/** Served over https (directly, or as the public address says): the cookie is `Secure`. */
function isHttps(req: Request, config: Config): boolean {
  return req.secure || (config.PUBLIC_BASE_URL?.startsWith("https:") ?? false);
}

function cookie(req: Request, config: Config, value: string, extra: string[]): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    ...(isHttps(req, config) ? ["Secure"] : []),
    ...extra,
  ].join("; ");
}

/** A browser-session cookie: the server ends it after the idle time, or at sign-out. */
export function setSessionCookie(req: Request, res: Response, config: Config, secret: string) {
  res.setHeader("Set-Cookie", cookie(req, config, secret, []));
}

export function clearSessionCookie(req: Request, res: Response, config: Config) {
  res.setHeader("Set-Cookie", cookie(req, config, "", ["Max-Age=0"]));
}

/** The base URL senders use: PUBLIC_BASE_URL, else the address this request reached. */
export function baseUrlOf(req: Request, config: Config): string {
  return config.PUBLIC_BASE_URL ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
}

/**
 * The live session of the request's cookie; 401 without one. A call that changes something
 * must also carry the session's CSRF token (403 otherwise).
 */
export async function requireSession(
  deps: AppDeps,
  req: Request,
): Promise<LiveSession & { secret: string }> {
  const secret = sessionSecretOf(req);
  const live = secret === undefined ? null : await findLiveSession(deps, secret);
  if (!secret || !live) {
    throw new AppError(
      "UNAUTHORIZED",
      secret
        ? "The console session has ended (signed out, idle too long, or its token revoked); sign in again."
        : "No API token and no console session: send 'Authorization: Bearer <token>', or sign in.",
    );
  }
  if (!SAFE_METHODS.has(req.method) && !isCsrfToken(secret, req.get(CSRF_HEADER))) {
    throw new AppError(
      "FORBIDDEN",
      `A call that changes something with a console session needs the session's ${CSRF_HEADER} header.`,
    );
  }
  return { ...live, secret };
}

/** The admin token behind the request's session, for requireToken (management routes). */
export async function sessionToken(deps: AppDeps, req: Request): Promise<TokenDoc> {
  return (await requireSession(deps, req)).token;
}
