import type { AppDeps } from "../http/deps.js";
import type { RequestDoc } from "../repositories/documents.js";
import { type Caller, idOrNotFound, notFound } from "./caller.js";
import { type Page, type PageQuery, readPage } from "./pagination.js";

/** Newest first, one page, without payloads. */
export function listRequests(
  deps: AppDeps,
  caller: Caller,
  query: PageQuery,
): Promise<Page<Omit<RequestDoc, "payload">>> {
  return readPage(query, (before, limit) =>
    deps.repositories.requests.listPage(caller.accountId, before, limit),
  );
}

export async function getRequest(
  deps: AppDeps,
  caller: Caller,
  requestId: string,
): Promise<RequestDoc> {
  const id = idOrNotFound(requestId, "request");
  const request = await deps.repositories.requests.findInAccount(caller.accountId, id);
  if (!request) throw notFound("request", requestId);
  return request;
}
