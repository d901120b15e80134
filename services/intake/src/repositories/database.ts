import {
  type Db,
  MongoClient,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from "mongodb";

export interface Database {
  client: MongoClient;
  db: Db;
  /**
   * Set by ensureIndexes. Until then ingest and /readyz answer 503: the unique indexes are
   * what keep a retried delivery from opening a second incident and two instances from
   * giving out one number twice.
   */
  indexesReady: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  uri: string;
  dbName: string;
  /** How long an operation waits for a reachable server before it fails (a 503). */
  timeoutMs: number;
}

/**
 * The client reconnects by itself after an outage, but one whose very first connection
 * failed stays closed (mongodb 7.9): so the first connection is made here, retried until it
 * succeeds, and a service started during an outage answers 503 until then.
 */
export function openDatabase(options: ConnectOptions): Database {
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS: options.timeoutMs,
    connectTimeoutMS: options.timeoutMs,
    // A database that stops answering (a partition, not a refused connection) is noticed by
    // the next heartbeat, which then fails the operations waiting on it: check every second
    // (the default, 10 s, held requests that long). Not a socket timeout: under load a slow
    // answer is not an outage.
    heartbeatFrequencyMS: 1_000,
    // A 2xx is sent only after the write is acknowledged by a majority and journaled.
    writeConcern: { w: "majority", journal: true },
    appName: "sqibs-intake",
  });
  const db = client.db(options.dbName);
  let closed = false;
  const connected = (async function connectUntilReachable() {
    for (let attempt = 1; !closed; attempt += 1) {
      try {
        await client.connect();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 250, 2_000)));
      }
    }
  })();
  return {
    client,
    db,
    indexesReady: false,
    ping: async () => {
      await db.command({ ping: 1 }, { timeoutMS: options.timeoutMs });
    },
    close: async () => {
      closed = true;
      await connected;
      await client.close();
    },
  };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError
  );
}

/**
 * A write refused by a unique index: E11000, or, for an update on FerretDB v1.24 (which
 * reports it as an InternalError carrying SQLite's message), "UNIQUE constraint failed".
 */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 11000 || (typeof message === "string" && message.includes("UNIQUE constraint failed"))
  );
}
