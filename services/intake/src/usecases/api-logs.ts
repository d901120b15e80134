import type { AppDeps } from "../container.js";
import type { ApiLogDecisionKind, ApiLogEntry } from "../repositories/index.js";
import { type Caller, queryId } from "./caller.js";
import { type Page, type PageQuery, readPage } from "./pagination.js";

/** One ingest call to keep in the API call log. */
export interface ApiLogInput {
  /** The call's id (the `id` of the ingest answer); a new one when absent. */
  id?: string;
  accountId: string;
  tokenId: string;
  endpoint: string;
  at?: Date;
  from?: string | undefined;
  contentType: string | null | undefined;
  bodySize: number;
  decisions: Array<{
    serviceId: string;
    kind: ApiLogDecisionKind;
    reason?: string | undefined;
    incidentId?: string | undefined;
  }>;
  status: number;
}

/**
 * Appends one entry to the API call log. The caller (ingest) decides what is logged: calls
 * of tokens with `debug` on, and calls suppressed by maintenance (docs/product.md §7).
 */
export function appendApiLog(
  deps: Pick<AppDeps, "repositories" | "clock">,
  entry: ApiLogInput,
): Promise<ApiLogEntry> {
  return deps.repositories.apiLogs.append({
    ...(entry.id !== undefined ? { id: entry.id } : {}),
    accountId: entry.accountId,
    tokenId: entry.tokenId,
    endpoint: entry.endpoint,
    at: entry.at ?? deps.clock(),
    ...(entry.from !== undefined ? { from: entry.from } : {}),
    contentType: entry.contentType ?? null,
    bodySize: entry.bodySize,
    decisions: entry.decisions.map((decision) => ({
      serviceId: decision.serviceId,
      kind: decision.kind,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(decision.incidentId !== undefined ? { incidentId: decision.incidentId } : {}),
    })),
    status: entry.status,
  });
}

export interface ApiLogQuery extends PageQuery {
  tokenId?: string | undefined;
}

export function listApiLogs(
  deps: AppDeps,
  caller: Caller,
  query: ApiLogQuery,
): Promise<Page<ApiLogEntry>> {
  const tokenId = queryId(query.tokenId, "tokenId", "token");
  const accountId = caller.account.id;
  return readPage(query, (before, limit) =>
    deps.repositories.apiLogs.listPage({ accountId, tokenId, before, limit }),
  );
}
