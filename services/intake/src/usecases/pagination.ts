import { AppError } from "../errors.js";

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export interface PageQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/**
 * The opaque cursor is the last item's id, base64url-encoded: pages run by `id < cursor`,
 * newest first, so items that arrive while a client pages never shift the later pages.
 */
export function encodeCursor(id: string): string {
  return Buffer.from(id, "hex").toString("base64url");
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const bytes = /^[A-Za-z0-9_-]{16}$/.test(cursor) ? Buffer.from(cursor, "base64url") : undefined;
  if (bytes?.length !== 12) {
    throw new AppError("INVALID_REQUEST", "The cursor is not one this API returned.", {
      errors: [{ field: "cursor", message: "not a cursor from a previous page" }],
    });
  }
  return bytes.toString("hex");
}

/** The latest time a Date holds (ms since the epoch). */
const MAX_TIME_MS = 8.64e15;

/**
 * An event's place in an incident's history as a cursor: its time (8 bytes of milliseconds)
 * then its id, base64url. Decoding is total: every base64url string of 11 or more characters
 * (the OpenAPI document's EventCursor) names some place, so none is refused.
 */
export function encodeEventCursor(position: { at: Date; id: string }): string {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(position.at.getTime()));
  return Buffer.concat([time, Buffer.from(position.id, "utf8")]).toString("base64url");
}

export function decodeEventCursor(
  cursor: string | undefined,
): { at: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const bytes = Buffer.from(cursor, "base64url");
  if (bytes.length < 8) {
    throw new AppError("INVALID_REQUEST", "The cursor is not one this API returned.", {
      errors: [{ field: "cursor", message: "not a cursor from a previous page" }],
    });
  }
  const ms = Math.min(Number(bytes.readBigUInt64BE(0)), MAX_TIME_MS);
  return { at: new Date(ms), id: bytes.subarray(8).toString("utf8") };
}

/** The page size a query asks for, within the bounds. */
export function pageSize(query: PageQuery): number {
  return Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
}

/**
 * Reads one page through `fetch` (which gets the cursor's id and a limit), asking for one
 * item more than the page holds to know whether another page follows.
 */
export async function readPage<T extends { id: string }>(
  query: PageQuery,
  fetch: (before: string | undefined, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const limit = pageSize(query);
  const found = await fetch(decodeCursor(query.cursor), limit + 1);
  const items = found.slice(0, limit);
  const last = items.at(-1);
  return found.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
}
