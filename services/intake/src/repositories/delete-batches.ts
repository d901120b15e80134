import { BSON, type Collection, type Document, type Filter, ObjectId } from "mongodb";

/**
 * Group commit for deletes of single documents: those that arrive while a delete is in flight,
 * or within `lingerMs` of the previous one, go out together in one command. FerretDB (ADR
 * 0001) runs every delete whose filter is more than an `_id` as a scan of the collection, one
 * command at a time, and evaluates the filter on each document: N deletes cost N scans, and
 * one `$or` of N filters one scan evaluating N filters per document (measured: 0.8 s for 160
 * filters on a queue of a few thousand). So filters alike but for their `_id` become one
 * filter with an `$in` of the ids: one command, which the embedded FerretDB looks up through
 * the `_id` index (a patch of packages/testing's ferretdb.ts; an unpatched FerretDB scans
 * once, with one cheap test per document). Each caller waits for the command that carried
 * its filter.
 */
export interface DeleteBatches {
  delete<T extends Document>(collection: Collection<T>, filter: Filter<T>): Promise<void>;
}

interface PendingDelete {
  filter: Filter<Document>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Filters per command by default: bounds its size and latency. */
const MAX_BATCH = 256;

export function deleteBatches(
  options: { lingerMs?: number; maxBatch?: number } = {},
): DeleteBatches {
  const queues = new Map<Collection<Document>, PendingDelete[]>();
  const draining = new Set<Collection<Document>>();
  const lingerMs = options.lingerMs ?? 0;
  const maxBatch = options.maxBatch ?? MAX_BATCH;

  async function drain(collection: Collection<Document>): Promise<void> {
    try {
      for (;;) {
        const queue = queues.get(collection) ?? [];
        if (lingerMs > 0 && queue.length > 0 && queue.length < maxBatch) {
          await new Promise((resolve) => setTimeout(resolve, lingerMs));
        }
        const batch = queue.splice(0, maxBatch);
        if (batch.length === 0) return;
        try {
          const filters = mergedFilters(batch.map((item) => item.filter));
          if (filters.length === 1) await collection.deleteMany(filters[0] ?? {});
          else {
            await collection.bulkWrite(
              filters.map((filter) => ({ deleteMany: { filter } })),
              { ordered: false },
            );
          }
          for (const item of batch) item.resolve();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      draining.delete(collection);
    }
  }

  return {
    delete(collection, filter) {
      return new Promise<void>((resolve, reject) => {
        const key = collection as unknown as Collection<Document>;
        const queue = queues.get(key) ?? [];
        queues.set(key, queue);
        queue.push({ filter: filter as Filter<Document>, resolve, reject });
        if (draining.has(key)) return;
        draining.add(key);
        // Deletes made in the same tick (or while it lingers) join the first batch.
        queueMicrotask(() => void drain(key));
      });
    },
  };
}

/**
 * The same documents, matched by fewer filters: those equal but for a single `_id` value
 * become one filter with `_id: { $in: ids }` (a lone one keeps its `_id`, which FerretDB
 * looks up without a scan); any other filter is kept as it is.
 */
export function mergedFilters(filters: Filter<Document>[]): Filter<Document>[] {
  const alike = new Map<string, { rest: Document; ids: unknown[] }>();
  const kept: Filter<Document>[] = [];
  for (const filter of filters) {
    const { _id: id, ...rest } = filter;
    if (!isSingleValue(id)) {
      kept.push(filter);
      continue;
    }
    const key = BSON.EJSON.stringify(rest, { relaxed: false });
    const group = alike.get(key) ?? { rest, ids: [] };
    alike.set(key, group);
    group.ids.push(id);
  }
  const merged = [...alike.values()].map(
    ({ rest, ids }) =>
      (ids.length === 1
        ? { ...rest, _id: ids[0] }
        : { ...rest, _id: { $in: ids } }) as Filter<Document>,
  );
  return [...merged, ...kept];
}

function isSingleValue(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number" || value instanceof ObjectId;
}
