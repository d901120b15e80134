import type { AppDeps } from "../container.js";
import type { ServiceRequest, ServiceRequestListing } from "../repositories/index.js";
import { type Caller, idOrNotFound, notFound } from "./caller.js";
import { type Page, type PageQuery, readPage } from "./pagination.js";

/** Newest first, one page, without payloads. */
export function listRequests(
  deps: AppDeps,
  caller: Caller,
  query: PageQuery,
): Promise<Page<ServiceRequestListing>> {
  return readPage(query, (before, limit) =>
    deps.repositories.requests.listPage(caller.account.id, before, limit),
  );
}

export async function getRequest(
  deps: AppDeps,
  caller: Caller,
  requestId: string,
): Promise<ServiceRequest> {
  const id = idOrNotFound(requestId, "request");
  const request = await deps.repositories.requests.findInAccount(caller.account.id, id);
  if (!request) throw notFound("request", requestId);
  return request;
}
