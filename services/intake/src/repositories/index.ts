import { accountsRepository } from "./accounts.js";
import { apiLogsRepository } from "./api-logs.js";
import { cacheHotReads } from "./cache.js";
import type { Database } from "./database.js";
import { deliveriesRepository } from "./deliveries.js";
import { incidentsRepository } from "./incidents.js";
import { insertBatches } from "./insert-batches.js";
import { rateLimitsRepository } from "./rate-limits.js";
import { requestsRepository } from "./requests.js";
import { servicesRepository } from "./services.js";
import { sessionsRepository } from "./sessions.js";
import { tokensRepository } from "./tokens.js";

export type Repositories = ReturnType<typeof createRepositories>;

/** How long the token, account and services reads of ingest are cached (see cache.ts). */
export const HOT_READ_TTL_MS = 2_000;

export function createRepositories(database: Database) {
  const { db } = database;
  const batches = insertBatches();
  const repositories = {
    database,
    accounts: accountsRepository(db),
    services: servicesRepository(db),
    tokens: tokensRepository(db),
    incidents: incidentsRepository(db, batches),
    requests: requestsRepository(db, batches),
    deliveries: deliveriesRepository(db, batches),
    apiLogs: apiLogsRepository(db, batches),
    rateLimits: rateLimitsRepository(db),
    sessions: sessionsRepository(db),
  };
  return cacheHotReads(repositories, HOT_READ_TTL_MS);
}

/** Created at start-up; only index kinds that MongoDB and FerretDB both support. */
export async function ensureIndexes(repositories: Repositories): Promise<void> {
  const { db } = repositories.database;
  await Promise.all([
    db.collection("services").createIndex({ accountId: 1, _id: 1 }),
    db.collection("tokens").createIndex({ accountId: 1, _id: 1 }),
    db.collection("token_secrets").createIndex({ tokenId: 1 }),
    db.collection("incidents").createIndex({ accountId: 1, _id: -1 }),
    db.collection("incidents").createIndex({ accountId: 1, number: 1 }, { unique: true }),
    db.collection("incidents").createIndex({ serviceId: 1, correlationKey: 1, status: 1 }),
    db.collection("requests").createIndex({ accountId: 1, _id: -1 }),
    db.collection("api_logs").createIndex({ accountId: 1, _id: -1 }),
    db.collection("api_logs").createIndex({ accountId: 1, tokenId: 1, _id: -1 }),
    db.collection("incidents").createIndex({ deliveryId: 1 }, { unique: true }),
    db.collection("incidents").createIndex({ status: 1, autoResolveAfterSeconds: 1 }),
    db.collection("incident_events").createIndex({ incidentId: 1, at: 1 }),
    db.collection("requests").createIndex({ deliveryId: 1 }, { unique: true }),
    db.collection("deliveries").createIndex({ expiresAt: 1 }),
    db.collection("delivery_answers").createIndex({ expiresAt: 1 }),
    db.collection("rate_limit_windows").createIndex({ expiresAt: 1 }),
    db.collection("sessions").createIndex({ lastSeenAt: 1 }),
  ]);
  repositories.database.indexesReady = true;
}
