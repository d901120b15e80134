import type { Request, RequestHandler } from "express";
import type { AppDeps } from "../../container.js";
import { requireToken } from "../../http/auth.js";

/** Management operations take admin tokens only (ingest tokens get 403). */
export function adminOnly(deps: AppDeps): RequestHandler {
  return requireToken(deps, ["admin"]);
}

/** A query parameter as the validator let it through (one value; absent when not sent). */
export function queryText(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === "string" ? value : undefined;
}

export function queryInteger(req: Request, name: string): number | undefined {
  const value = req.query[name];
  if (typeof value === "number") return value;
  return typeof value === "string" && value !== "" ? Number(value) : undefined;
}

/** A path parameter (Express always sets the ones its route names). */
export function pathParam(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === "string" ? value : "";
}

/** The JSON body, or an empty object when the operation's body is optional and none came. */
export function jsonBody<T extends object>(req: Request): T {
  return (req.body ?? {}) as T;
}
