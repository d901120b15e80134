import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import type { ApiLogDecisionKind, ApiLogDoc } from "../repositories/documents.js";
import { ObjectId, parseId } from "../repositories/ids.js";
import type { Caller } from "./caller.js";
import { type Page, type PageQuery, readPage } from "./pagination.js";

/** One ingest call to keep in the API call log (ids as ObjectIds or their hex text). */
export interface ApiLogInput {
  /** The call's id (the `id` of the ingest answer); a new one when absent. */
  id?: ObjectId;
  accountId: ObjectId;
  tokenId: ObjectId;
  endpoint: string;
  at?: Date;
  from?: string | undefined;
  contentType: string | null | undefined;
  bodySize: number;
  decisions: Array<{
    serviceId: ObjectId | string;
    kind: ApiLogDecisionKind;
    reason?: string | undefined;
    incidentId?: ObjectId | string | undefined;
  }>;
  status: number;
}

/**
 * Appends one entry to the API call log. The caller (ingest) decides what is logged: calls
 * of tokens with `debug` on, and calls suppressed by maintenance (PRODUCT.md §7).
 */
export function appendApiLog(
  deps: Pick<AppDeps, "repositories" | "clock">,
  entry: ApiLogInput,
): Promise<ApiLogDoc> {
  return deps.repositories.apiLogs.append({
    _id: entry.id ?? new ObjectId(),
    accountId: entry.accountId,
    tokenId: entry.tokenId,
    endpoint: entry.endpoint,
    at: entry.at ?? deps.clock(),
    ...(entry.from !== undefined ? { from: entry.from } : {}),
    contentType: entry.contentType ?? null,
    bodySize: entry.bodySize,
    decisions: entry.decisions.map((decision) => ({
      serviceId: asId(decision.serviceId),
      kind: decision.kind,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      ...(decision.incidentId !== undefined ? { incidentId: asId(decision.incidentId) } : {}),
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
): Promise<Page<ApiLogDoc>> {
  const tokenId = query.tokenId === undefined ? undefined : parseId(query.tokenId);
  if (query.tokenId !== undefined && !tokenId) {
    throw new AppError("INVALID_REQUEST", "tokenId: not a token id.", {
      errors: [{ field: "tokenId", message: "not a token id" }],
    });
  }
  return readPage(query, (before, limit) =>
    deps.repositories.apiLogs.listPage({
      accountId: caller.accountId,
      ...(tokenId ? { tokenId } : {}),
      ...(before ? { before } : {}),
      limit,
    }),
  );
}

function asId(id: ObjectId | string): ObjectId {
  if (typeof id !== "string") return id;
  const parsed = parseId(id);
  if (!parsed) throw new Error(`appendApiLog: "${id}" is not an id`);
  return parsed;
}
