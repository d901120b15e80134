import type { Request, RequestHandler } from "express";
import { AppError } from "../errors.js";
import type { TokenDoc, TokenScope } from "../repositories/documents.js";
import { hashSecret, sameSecret } from "../tokens.js";
import type { AppDeps } from "./deps.js";
import { enforceRateLimits } from "./rate-limit.js";
import { sessionSecretOf, sessionToken } from "./session.js";

declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      token: TokenDoc;
    }
  }
}

/**
 * Every credential the request carries: `Authorization: Bearer`, HTTP Basic (the token as
 * password, or as user name when the password is empty), `X-Callgoose-Auth`, and `?token=`.
 */
export function presentedCredentials(req: Request): string[] {
  const found: string[] = [];
  const authorization = req.get("authorization")?.trim();
  if (authorization) {
    const [scheme = "", value = ""] = splitOnce(authorization, " ");
    if (/^bearer$/i.test(scheme)) found.push(value.trim());
    else if (/^basic$/i.test(scheme)) found.push(basicSecret(value.trim()));
    else found.push("");
  }
  const header = req.get("x-callgoose-auth");
  if (header !== undefined) found.push(header.trim());
  const query = req.query.token;
  if (query !== undefined) found.push(typeof query === "string" ? query.trim() : "");
  return found;
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
 * Authenticates the call and requires one of the scopes; sets res.locals.token. Admin routes
 * also take a console session when no credential is sent (http/session.ts).
 */
export function requireToken(deps: AppDeps, scopes: readonly TokenScope[]): RequestHandler {
  return async (req, res, next) => {
    try {
      const credentials = presentedCredentials(req);
      const [first] = credentials;
      if (first === undefined && scopes.includes("admin") && sessionSecretOf(req)) {
        const token = await sessionToken(deps, req);
        await enforceRateLimits(deps, token);
        res.locals.token = token;
        return next();
      }
      if (first === undefined) {
        throw new AppError(
          "UNAUTHORIZED",
          "No API token: send it as 'Authorization: Bearer <token>', or as the 'token' URL parameter.",
        );
      }
      if (credentials.some((other) => !sameSecret(first, other))) {
        throw new AppError(
          "UNAUTHORIZED",
          "The request carries two different API tokens; send one.",
        );
      }
      res.locals.token = await authenticateSecret(deps, first, scopes);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The live token a secret opens, in one of the scopes, within its rate limits. */
export async function authenticateSecret(
  deps: AppDeps,
  secret: string,
  scopes: readonly TokenScope[],
): Promise<TokenDoc> {
  const now = deps.clock();
  const token = secret
    ? await deps.repositories.tokens.findBySecretHash(hashSecret(secret), now)
    : null;
  if (!token) throw new AppError("UNAUTHORIZED", "The API token is unknown or has been revoked.");
  if (!scopes.includes(token.scope)) {
    throw new AppError(
      "FORBIDDEN",
      `This endpoint takes ${scopes.join(" or ")} tokens; this is a ${token.scope} token.`,
    );
  }
  await enforceRateLimits(deps, token);
  await touchLastUsed(deps, token, now);
  return token;
}

/** `lastUsedAt` moves at most once a minute per token: one small write, not one per call. */
const TOUCH_EVERY_MS = 60_000;

async function touchLastUsed(deps: AppDeps, token: TokenDoc, now: Date): Promise<void> {
  if (token.lastUsedAt && now.getTime() - token.lastUsedAt.getTime() < TOUCH_EVERY_MS) return;
  try {
    await deps.repositories.tokens.touch(token._id, now);
    token.lastUsedAt = now;
  } catch (error) {
    // Bookkeeping only: the call itself goes on.
    deps.logger.warn(
      { err: error, tokenId: token._id.toHexString() },
      "could not record token use",
    );
  }
}
