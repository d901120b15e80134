import type { Request, RequestHandler } from "express";
import type { OpenAPIV3 } from "express-openapi-validator/dist/framework/types.js";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { TokenScope } from "../repositories/index.js";
import {
  authenticate,
  type Credentials,
  NO_TOKEN,
  type Requirement,
  requireScope,
} from "../usecases/authenticate.js";
import type { Caller } from "../usecases/caller.js";
import { BASE_PATHS } from "./paths.js";
import { decodeQueryComponent } from "./request-log.js";
import { sessionCredentials, sessionSecretOf } from "./session.js";

declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      caller: Caller;
    }
  }
}

/** The security schemes that carry an API token (openapi.yaml `components.securitySchemes`). */
const TOKEN_SCHEMES = new Set(["bearerAuth", "tokenQuery", "callgooseAuth", "basicAuth"]);
const URL_TOKEN_SCHEME = "tokenQuery";
const SESSION_SCHEME = "sessionCookie";
const TOKEN_PARAMETER = "token";
const METHODS = ["get", "put", "post", "patch", "delete"] as const;

/** What one operation takes, as its security requirements in the OpenAPI document say. */
export interface OperationSecurity extends Requirement {
  /** The `token` URL parameter is one of its credentials (ingest tokens only). */
  tokenInUrl: boolean;
  /** A console session stands for an admin token. */
  session: boolean;
}

interface SecuredOperation {
  method: string;
  path: RegExp;
  security: OperationSecurity;
}

/**
 * The operations that take an API token, read from the document: the role names of a
 * requirement are the token scopes the operation takes (none named: admin). Operations
 * without such a requirement (health, sign-in, the session's own operations) are not here.
 */
export function securedOperations(document: OpenAPIV3.DocumentV3_1): SecuredOperation[] {
  const secured: SecuredOperation[] = [];
  for (const [template, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      const requirements = (operation?.security ?? document.security ?? []) as Array<
        Record<string, string[]>
      >;
      const tokenRequirements = requirements.filter((requirement) =>
        Object.keys(requirement).some((scheme) => TOKEN_SCHEMES.has(scheme)),
      );
      if (tokenRequirements.length === 0) continue;
      const scopes = new Set<TokenScope>();
      for (const requirement of tokenRequirements) {
        for (const [scheme, roles] of Object.entries(requirement)) {
          if (!TOKEN_SCHEMES.has(scheme)) continue;
          for (const role of roles.length ? roles : ["admin"]) scopes.add(role as TokenScope);
        }
      }
      secured.push({
        method,
        path: pathPattern(template),
        security: {
          scopes: [...scopes],
          tokenInUrl: requirements.some((requirement) => URL_TOKEN_SCHEME in requirement),
          session: requirements.some((requirement) => SESSION_SCHEME in requirement),
        },
      });
    }
  }
  return secured;
}

/** A path template as Express routes it: under every base path, any case, an optional "/". */
function pathPattern(template: string): RegExp {
  const bases = BASE_PATHS.filter((base) => base !== "/").map(escapeRegExp);
  const segments = template
    .split(/\{[^}]+\}/)
    .map(escapeRegExp)
    .join("[^/]+");
  return new RegExp(`^(?:${bases.join("|")})?${segments}/?$`, "i");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Authenticates every request to an operation that takes an API token from its URL and
 * headers, before anything reads its body: without a valid credential it is answered at once
 * (401, or 403 for another scope, 429 over a rate limit) and never reaches the concurrency
 * limit or a body reader (app.ts). The `token` URL parameter is taken out of the URL here, on
 * every path, so that nothing after this (the validator, the routes) sees a credential.
 */
export function authenticateFirst(deps: AppDeps, operations: SecuredOperation[]): RequestHandler {
  return async (req, res, next) => {
    const urlSecrets = takeUrlToken(req);
    const method = req.method === "HEAD" ? "get" : req.method.toLowerCase();
    const path = req.path;
    const operation = operations.find((op) => op.method === method && op.path.test(path));
    if (!operation) return next();
    try {
      const credentials = credentialsOf(req, urlSecrets, operation.security);
      res.locals.caller = await authenticate(deps, credentials, operation.security);
      // Its connection closed meanwhile: nobody waits for the answer, nothing is stored.
      if (res.closed) return;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/**
 * Every API token the request carries, empty ones left out (an empty credential is none):
 * `Authorization: Bearer`, HTTP Basic (the token as password, or as user name when the
 * password is empty), `X-Callgoose-Auth`, and the `token` URL parameter. Without any, an
 * operation that takes a console session gets the session's credentials.
 */
function credentialsOf(
  req: Request,
  urlSecrets: string[],
  security: OperationSecurity,
): Credentials {
  if (urlSecrets.length > 0 && !security.tokenInUrl) {
    throw new AppError(
      "UNAUTHORIZED",
      "Only ingest tokens may travel in URLs (the 'token' parameter of /v1/process and /v1/request); send this token as 'Authorization: Bearer <token>'.",
    );
  }
  const secrets = [...headerSecrets(req), ...urlSecrets];
  if (secrets.length === 0 && security.session && sessionSecretOf(req)) {
    return sessionCredentials(req);
  }
  return { kind: "api-token", secrets, inUrl: urlSecrets.length > 0 };
}

function headerSecrets(req: Request): string[] {
  const secrets: string[] = [];
  const authorization = req.get("authorization")?.trim();
  if (authorization) {
    const [scheme = "", value = ""] = splitOnce(authorization, " ");
    // Another scheme is not a credential of this API (it may be a proxy's): left alone.
    if (/^bearer$/i.test(scheme)) secrets.push(value.trim());
    else if (/^basic$/i.test(scheme)) secrets.push(basicSecret(value.trim()));
  }
  const header = req.get("x-callgoose-auth");
  if (header !== undefined) secrets.push(header.trim());
  return secrets.filter((secret) => secret !== "");
}

/**
 * Removes every `token` parameter from the URL (Express reads `req.query` from `req.url`)
 * and returns their non-empty values. `req.originalUrl` keeps them, for the request log's
 * redaction only.
 */
function takeUrlToken(req: Request): string[] {
  const at = req.url.indexOf("?");
  if (at < 0) return [];
  const secrets: string[] = [];
  const kept: string[] = [];
  for (const pair of req.url.slice(at + 1).split("&")) {
    const eq = pair.indexOf("=");
    const name = decodeQueryComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (name !== TOKEN_PARAMETER) {
      kept.push(pair);
      continue;
    }
    const value = eq < 0 ? "" : decodeQueryComponent(pair.slice(eq + 1)).trim();
    if (value !== "") secrets.push(value);
  }
  req.url = kept.length ? `${req.url.slice(0, at)}?${kept.join("&")}` : req.url.slice(0, at);
  return secrets;
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
 * A route runs only for a caller that authenticateFirst let through with one of these
 * scopes (a 401 should a route ever not be covered by a security requirement).
 */
export function requireToken(_deps: AppDeps, scopes: readonly TokenScope[]): RequestHandler {
  return (_req, res, next) => {
    const caller = res.locals.caller as Caller | undefined;
    try {
      if (!caller) throw new AppError("UNAUTHORIZED", NO_TOKEN);
      requireScope(caller.token, { scopes });
      next();
    } catch (error) {
      next(error);
    }
  };
}
