import type { Request, RequestHandler } from "express";
import type { AppDeps } from "../container.js";
import type { TokenScope } from "../repositories/index.js";
import { authenticate, type Credentials } from "../usecases/authenticate.js";
import type { Caller } from "../usecases/caller.js";
import { sessionCredentials, sessionSecretOf } from "./session.js";

declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      caller: Caller;
    }
  }
}

/**
 * Every API token the request carries: `Authorization: Bearer`, HTTP Basic (the token as
 * password, or as user name when the password is empty), `X-Callgoose-Auth`, and `?token=`.
 */
export function presentedCredentials(req: Request): Credentials & { kind: "api-token" } {
  const secrets: string[] = [];
  const authorization = req.get("authorization")?.trim();
  if (authorization) {
    const [scheme = "", value = ""] = splitOnce(authorization, " ");
    if (/^bearer$/i.test(scheme)) secrets.push(value.trim());
    else if (/^basic$/i.test(scheme)) secrets.push(basicSecret(value.trim()));
    else secrets.push("");
  }
  const header = req.get("x-callgoose-auth");
  if (header !== undefined) secrets.push(header.trim());
  const query = req.query.token;
  if (query !== undefined) secrets.push(typeof query === "string" ? query.trim() : "");
  return { kind: "api-token", secrets };
}

function credentialsOf(req: Request, scopes: readonly TokenScope[]): Credentials {
  const tokens = presentedCredentials(req);
  const session = tokens.secrets.length === 0 && scopes.includes("admin") && sessionSecretOf(req);
  return session ? sessionCredentials(req) : tokens;
}

function basicSecret(encoded: string): string {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const [user = "", password = ""] = splitOnce(decoded, ":");
  return password || user;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + separator.length)];
}

/**
 * Extracts the credentials and authenticates them (the use case); sets res.locals.caller, or
 * hands the refusal to the error middleware. Admin routes also take a console session when
 * the request carries no API token (http/session.ts).
 */
export function requireToken(deps: AppDeps, scopes: readonly TokenScope[]): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.caller = await authenticate(deps, credentialsOf(req, scopes), { scopes });
      next();
    } catch (error) {
      next(error);
    }
  };
}
