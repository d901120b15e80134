import type { Collection, Document, Filter } from "mongodb";

/**
 * Group commit for deletes of single documents: those that arrive while a delete is in flight,
 * or within `lingerMs` of the previous one, go out together as one `deleteMany` with an `$or`
 * of their filters. FerretDB (ADR 0001) runs every delete as a scan of the collection, one
 * command at a time, so N deletes cost N scans, or one. Each caller waits for the command
 * that carried its filter.
 */
export interface DeleteBatches {
  delete<T extends Document>(collection: Collection<T>, filter: Filter<T>): Promise<void>;
}

interface PendingDelete {
  filter: Filter<Document>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Filters per command: bounds its size and latency. */
const MAX_BATCH = 256;

export function deleteBatches(options: { lingerMs?: number } = {}): DeleteBatches {
  const queues = new Map<Collection<Document>, PendingDelete[]>();
  const draining = new Set<Collection<Document>>();
  const lingerMs = options.lingerMs ?? 0;

  async function drain(collection: Collection<Document>): Promise<void> {
    try {
      for (;;) {
        const queue = queues.get(collection) ?? [];
        if (lingerMs > 0 && queue.length > 0 && queue.length < MAX_BATCH) {
          await new Promise((resolve) => setTimeout(resolve, lingerMs));
        }
        const batch = queue.splice(0, MAX_BATCH);
        if (batch.length === 0) return;
        try {
          await collection.deleteMany(
            batch.length === 1
              ? (batch[0]?.filter ?? {})
              : { $or: batch.map((item) => item.filter) },
          );
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
