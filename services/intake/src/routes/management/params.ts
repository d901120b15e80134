import type { Request, RequestHandler } from "express";
import type { AppDeps } from "../../container.js";
import { requireToken } from "../../http/auth.js";
import type { Page } from "../../usecases/pagination.js";

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

/** The paging parameters of a list operation. */
export function pageQuery(req: Request): { limit: number | undefined; cursor: string | undefined } {
  return { limit: queryInteger(req, "limit"), cursor: queryText(req, "cursor") };
}

/** A page of entities as the API shows it. */
export function pageView<T, V>(page: Page<T>, view: (item: T) => V): Page<V> {
  return { ...page, items: page.items.map(view) };
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
