import type { Request, Response } from "express";
import type { Config } from "../config.js";
import type { SessionCredentials } from "../usecases/sessions.js";

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

/** What the request presents for a console session (the use case decides whether it holds). */
export function sessionCredentials(req: Request): SessionCredentials {
  return {
    kind: "session",
    secret: sessionSecretOf(req),
    changes: !SAFE_METHODS.has(req.method),
    csrfToken: req.get(CSRF_HEADER),
  };
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
