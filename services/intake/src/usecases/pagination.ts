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

/**
 * Reads one page through `fetch` (which gets the cursor's id and a limit), asking for one
 * item more than the page holds to know whether another page follows.
 */
export async function readPage<T extends { id: string }>(
  query: PageQuery,
  fetch: (before: string | undefined, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const found = await fetch(decodeCursor(query.cursor), limit + 1);
  const items = found.slice(0, limit);
  const last = items.at(-1);
  return found.length > limit && last ? { items, nextCursor: encodeCursor(last.id) } : { items };
}
