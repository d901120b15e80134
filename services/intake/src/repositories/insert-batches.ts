import {
  BSON,
  type Collection,
  type Document,
  MongoBulkWriteError,
  MongoServerError,
  type OptionalUnlessRequiredId,
} from "mongodb";
import { isDatabaseUnavailable } from "./database.js";

/**
 * Group commit for inserts. Inserts that arrive while the database is busy with a command are
 * sent together as one unordered `insertMany` per collection, and each caller still waits for
 * its own document's acknowledgement (with the client's write concern): a 2xx still follows
 * its write. FerretDB runs each write command in its own SQLite transaction and serializes
 * them, so 64 inserts cost 64 transactions one at a time, or one insertMany (measured: 2,600
 * vs 108 documents/s); a MongoDB server saves round trips and journal flushes the same way.
 *
 * A document's own write error (a duplicate key: somebody else holds that claim) rejects only
 * its caller, with the server's code; a failed command rejects every caller of the batch.
 * When it failed because the database is unreachable, everything queued behind it fails at
 * once with the same error: each batch would otherwise wait out DB_TIMEOUT_MS in turn, and
 * a 503 must come within that time, not a multiple of it. Nothing of theirs was sent.
 */
export interface InsertBatches {
  insert<T extends Document>(
    collection: Collection<T>,
    doc: OptionalUnlessRequiredId<T>,
  ): Promise<void>;
}

/** The inserts queued for one collection (by namespace: its Collection objects are many). */
interface Queue {
  collection: Collection<Document>;
  pending: PendingInsert[];
}

interface PendingInsert {
  doc: Document;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Documents per command: bounds a batch's latency; the driver splits by message size. */
const MAX_BATCH = 256;
/**
 * Bytes per command (one document may exceed it): the driver holds a batch twice while it
 * sends it (each document serialized, then the whole message), so large payloads are sent a
 * few at a time rather than 48 MB at once.
 */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export function insertBatches(): InsertBatches {
  const queues = new Map<string, Queue>();
  let draining = false;

  /** One command in flight at a time: what arrives meanwhile forms the next batches. */
  async function drain(): Promise<void> {
    try {
      while (queues.size > 0) {
        for (const [namespace, { collection, pending }] of [...queues]) {
          const batch = pending.splice(0, batchLength(pending));
          if (pending.length === 0) queues.delete(namespace);
          const outage = await insertBatch(collection, batch);
          if (outage) {
            rejectQueued(outage);
            break;
          }
        }
      }
    } finally {
      draining = false;
    }
  }

  function rejectQueued(cause: unknown) {
    for (const queue of queues.values()) for (const pending of queue.pending) pending.reject(cause);
    queues.clear();
  }

  return {
    insert(collection, doc) {
      return new Promise<void>((resolve, reject) => {
        const queue = queues.get(collection.namespace) ?? {
          collection: collection as unknown as Collection<Document>,
          pending: [],
        };
        queues.set(collection.namespace, queue);
        queue.pending.push({ doc, resolve, reject });
        if (draining) return;
        draining = true;
        // Inserts made in the same tick join the first batch.
        queueMicrotask(() => void drain());
      });
    },
  };
}

/** How many of the queue's first documents fit one command. */
function batchLength(queue: PendingInsert[]): number {
  // A document alone is sent whatever its size: not measured (a pass over all its fields).
  if (queue.length === 1) return 1;
  let bytes = 0;
  let length = 0;
  for (const pending of queue) {
    if (length === MAX_BATCH) break;
    bytes += BSON.calculateObjectSize(pending.doc);
    if (length > 0 && bytes > MAX_BATCH_BYTES) break;
    length += 1;
  }
  return length;
}

/** Sends one batch and settles its callers; returns the error when the database is unreachable. */
async function insertBatch(
  collection: Collection<Document>,
  batch: PendingInsert[],
): Promise<unknown> {
  const [lone] = batch;
  if (batch.length === 1 && lone) return insertLone(collection, lone);
  try {
    await collection.insertMany(
      batch.map((pending) => pending.doc),
      { ordered: false },
    );
  } catch (error) {
    const failed = documentErrors(error, batch.length);
    if (!failed) {
      const cause = commandError(error);
      for (const pending of batch) pending.reject(cause);
      return isDatabaseUnavailable(cause) ? cause : undefined;
    }
    batch.forEach((pending, index) => {
      const own = failed.get(index);
      if (own) pending.reject(own);
      else pending.resolve();
    });
    return undefined;
  }
  for (const pending of batch) pending.resolve();
  return undefined;
}

/**
 * A document alone (most inserts at one connection) goes out as an
 * `insertOne`: the same command, without the driver's bulk-write bookkeeping, which cost
 * about a third of its CPU per insert (bench/README.md). Its errors are insertOne's own.
 */
async function insertLone(
  collection: Collection<Document>,
  pending: PendingInsert,
): Promise<unknown> {
  try {
    await collection.insertOne(pending.doc);
  } catch (error) {
    pending.reject(error);
    return isDatabaseUnavailable(error) ? error : undefined;
  }
  pending.resolve();
  return undefined;
}

/**
 * What failed the whole command, as insertOne would have thrown it: insertMany wraps a
 * network or server-selection error in a MongoBulkWriteError, which would hide an outage
 * (a 503) behind a generic error (a 500).
 */
function commandError(error: unknown): unknown {
  if (!(error instanceof MongoBulkWriteError)) return error;
  const response: unknown = error.errorResponse;
  return response instanceof Error ? response : error;
}

/**
 * The errors of single documents, by index, when the command itself succeeded with the write
 * concern; undefined when the whole batch must be taken as failed.
 */
function documentErrors(error: unknown, size: number): Map<number, MongoServerError> | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  if (error.result.getWriteConcernError()) return undefined;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (writeErrors.length === 0) return undefined;
  const failed = new Map<number, MongoServerError>();
  for (const writeError of writeErrors) {
    if (writeError.index < 0 || writeError.index >= size) return undefined;
    failed.set(
      writeError.index,
      new MongoServerError({ message: writeError.errmsg ?? "write error", code: writeError.code }),
    );
  }
  return failed;
}
