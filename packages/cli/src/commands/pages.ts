import { InvalidArgumentError } from "commander";

export interface PageOptions {
  limit?: number;
  cursor?: string;
  all?: boolean;
}

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** One page, or every page with --all (then without a nextCursor). */
export async function readAll<T>(
  options: PageOptions,
  fetch: (cursor: string | undefined, limit: number | undefined) => Promise<Page<T>>,
): Promise<Page<T>> {
  if (!options.all) return fetch(options.cursor, options.limit);
  const items: T[] = [];
  let cursor = options.cursor;
  do {
    const page = await fetch(cursor, options.limit ?? 100);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { items };
}

export function pageLimit(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new InvalidArgumentError("a whole number from 1 to 100");
  }
  return value;
}
