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
 * Connects lazily: the client reconnects by itself when the database comes back, so a
 * service started during an outage answers 503 until then instead of crashing.
 */
export function openDatabase(options: ConnectOptions): Database {
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS: options.timeoutMs,
    connectTimeoutMS: options.timeoutMs,
    // A 2xx is sent only after the write is acknowledged by a majority and journaled.
    writeConcern: { w: "majority", journal: true },
    appName: "sqibs-intake",
  });
  const db = client.db(options.dbName);
  return {
    client,
    db,
    ping: async () => {
      await db.command({ ping: 1 }, { timeoutMS: options.timeoutMs });
    },
    close: () => client.close(),
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

export function isDuplicateKey(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000
  );
}
