import type { Collection, Db, IndexSpecification } from "mongodb";
import { accountsRepository } from "./accounts.js";
import { apiLogsRepository } from "./api-logs.js";
import { cacheHotReads } from "./cache.js";
import type { Database } from "./database.js";
import { databaseClock } from "./database-clock.js";
import { deliveriesRepository } from "./deliveries.js";
import { incidentsRepository } from "./incidents.js";
import { insertBatches } from "./insert-batches.js";
import { moveOpenIncidentClaims, moveServicesIntoTeams } from "./migrations.js";
import { rateLimitsRepository } from "./rate-limits.js";
import { requestsRepository } from "./requests.js";
import { servicesRepository } from "./services.js";
import { sessionsRepository } from "./sessions.js";
import { teamsRepository } from "./teams.js";
import { tokensRepository } from "./tokens.js";
import { webhookDeliveriesRepository } from "./webhook-deliveries.js";
import { webhookJournalRepository } from "./webhook-journal.js";
import { webhooksRepository } from "./webhooks.js";

export type { Database } from "./database.js";
export type * from "./entities.js";
export { defaultTeamIdOf, isEntityId, newEntityId } from "./ids.js";
export { oneAtATimePerKey } from "./one-at-a-time.js";
export type { NameTaken } from "./teams.js";
export type { NewDelivery, QueueChange, RoundState } from "./webhook-deliveries.js";
export { deliveryIdOf } from "./webhook-deliveries.js";
export type { InstanceBeat, JournalEntry } from "./webhook-journal.js";
export { JOURNAL_READ, journalEntryId, newInstanceId } from "./webhook-journal.js";
export type { DeletedWebhook, NewWebhook, WebhookChanges } from "./webhooks.js";

export type Repositories = ReturnType<typeof createRepositories>;

/** How long the token, account and services reads are cached (see cache.ts). */
export const HOT_READ_TTL_MS = 2_000;

/** The timings of the claims instances race for (tests shorten them; defaults otherwise). */
export interface RepositoryOptions {
  /** How long a delivery's owner holds it without renewing (it renews while it works). */
  deliveryLeaseMs?: number;
  /** How old a correlation claim without its incident is before it counts as orphaned. */
  orphanClaimMs?: number;
  /** This instance's own clock in ms, which the database clock corrects (tests skew it). */
  localClock?: () => number;
}

export function createRepositories(database: Database, options: RepositoryOptions = {}) {
  const { db } = database;
  const batches = insertBatches();
  const clock = databaseClock(db, options.localClock);
  const repositories = {
    database,
    accounts: accountsRepository(db),
    teams: teamsRepository(db),
    services: servicesRepository(db),
    tokens: tokensRepository(db),
    incidents: incidentsRepository(db, batches, clock, options.orphanClaimMs),
    requests: requestsRepository(db, batches),
    deliveries: deliveriesRepository(db, batches, clock, options.deliveryLeaseMs),
    apiLogs: apiLogsRepository(db, batches),
    rateLimits: rateLimitsRepository(db),
    sessions: sessionsRepository(db),
    webhooks: webhooksRepository(db),
    webhookDeliveries: webhookDeliveriesRepository(db, batches, clock),
    webhookJournal: webhookJournalRepository(db, batches, clock),
  };
  return cacheHotReads(repositories, HOT_READ_TTL_MS);
}

/**
 * The shard key of every collection the service writes (docs/adr/0002-scaling.md): tenant
 * data by account, claims keyed by `_id` by their hashed `_id`. Every unique index starts
 * with its collection's shard key, and every query of a request carries it
 * (test/indexes.test.ts reads the indexes back and checks this table).
 */
export const SHARD_KEYS = {
  accounts: { _id: "hashed" },
  teams: { accountId: 1 },
  services: { accountId: 1 },
  tokens: { accountId: 1 },
  token_secrets: { _id: "hashed" },
  incidents: { accountId: 1 },
  incident_events: { incidentId: "hashed" },
  incident_payloads: { _id: "hashed" },
  incident_number_hints: { _id: "hashed" },
  auto_resolve_due: { _id: "hashed" },
  requests: { accountId: 1 },
  api_logs: { accountId: 1 },
  deliveries: { _id: "hashed" },
  delivery_answers: { _id: "hashed" },
  rate_limit_windows: { _id: "hashed" },
  sessions: { _id: "hashed" },
  migrations: { _id: "hashed" },
  webhooks: { accountId: 1 },
  webhook_deliveries: { accountId: 1 },
  webhook_queue: { _id: "hashed" },
  webhook_claims: { _id: "hashed" },
  webhook_attempts: { accountId: 1 },
  webhook_instances: { _id: "hashed" },
} as const satisfies Record<string, Record<string, 1 | "hashed">>;

export type CollectionName = keyof typeof SHARD_KEYS;

interface IndexDeclaration {
  collection: CollectionName;
  key: IndexSpecification & Record<string, 1 | -1>;
  unique?: boolean;
}

/** Created at start-up; only index kinds that MongoDB and FerretDB both support. */
const INDEXES: IndexDeclaration[] = [
  { collection: "teams", key: { accountId: 1, nameKey: 1 }, unique: true },
  { collection: "services", key: { accountId: 1, _id: 1 } },
  { collection: "tokens", key: { accountId: 1, _id: 1 } },
  { collection: "token_secrets", key: { tokenId: 1 } },
  { collection: "incidents", key: { accountId: 1, _id: -1 } },
  { collection: "incidents", key: { accountId: 1, number: 1 }, unique: true },
  { collection: "incidents", key: { accountId: 1, deliveryId: 1 }, unique: true },
  { collection: "incidents", key: { accountId: 1, serviceId: 1, correlationKey: 1, status: 1 } },
  { collection: "incident_events", key: { incidentId: 1, at: 1 } },
  { collection: "auto_resolve_due", key: { dueAt: 1 } },
  { collection: "requests", key: { accountId: 1, _id: -1 } },
  { collection: "requests", key: { accountId: 1, deliveryId: 1 }, unique: true },
  { collection: "api_logs", key: { accountId: 1, _id: -1 } },
  { collection: "api_logs", key: { accountId: 1, tokenId: 1, _id: -1 } },
  { collection: "deliveries", key: { expiresAt: 1 } },
  { collection: "delivery_answers", key: { expiresAt: 1 } },
  { collection: "rate_limit_windows", key: { expiresAt: 1 } },
  { collection: "sessions", key: { lastSeenAt: 1 } },
  { collection: "webhooks", key: { accountId: 1, _id: 1 } },
  { collection: "webhook_deliveries", key: { accountId: 1, webhookId: 1, _id: -1 } },
  { collection: "webhook_queue", key: { dueAt: 1 } },
  { collection: "webhook_queue", key: { webhookId: 1 } },
  { collection: "webhook_claims", key: { leaseUntil: 1 } },
  { collection: "webhook_attempts", key: { accountId: 1, deliveryId: 1, at: 1 } },
  { collection: "webhook_attempts", key: { accountId: 1, webhookId: 1, succeeded: 1, at: -1 } },
  { collection: "webhook_attempts", key: { at: 1 } },
];

/**
 * Indexes of earlier releases that the ones above replace, by name: the unique ones would
 * keep a collection from being sharded (not prefixed by its shard key), the others scanned
 * what is now read another way. Dropped after their replacements exist.
 */
export const REPLACED_INDEXES: Array<{ collection: CollectionName; name: string }> = [
  { collection: "incidents", name: "deliveryId_1" },
  { collection: "requests", name: "deliveryId_1" },
  { collection: "incidents", name: "serviceId_1_correlationKey_1_status_1" },
  { collection: "incidents", name: "status_1_autoResolveAfterSeconds_1" },
];

/**
 * Created at start-up, the indexes they replace dropped, and the data of earlier releases
 * upgraded (migrations.ts); idempotent. Until it is done the service is not ready.
 */
export async function ensureIndexes(repositories: Repositories): Promise<void> {
  const { db } = repositories.database;
  await Promise.all(
    INDEXES.map(({ collection, key, unique }) =>
      db.collection(collection).createIndex(key, unique ? { unique } : {}),
    ),
  );
  await dropReplacedIndexes(db);
  await moveServicesIntoTeams(db, repositories.teams, new Date());
  await moveOpenIncidentClaims(db);
  // In the background (the sweeper retries it): resolves fall back to a scan until it is done.
  repositories.incidents.backfillClaims().catch(() => {});
  repositories.database.indexesReady = true;
}

async function dropReplacedIndexes(db: Db): Promise<void> {
  for (const { collection, name } of REPLACED_INDEXES) {
    const indexes = db.collection(collection);
    if ((await indexNames(indexes)).includes(name)) await indexes.dropIndex(name);
  }
}

/** The collection's index names; none when the collection does not exist yet. */
async function indexNames(collection: Collection): Promise<string[]> {
  try {
    const indexes = await collection.listIndexes().toArray();
    return indexes.map((index) => String(index.name));
  } catch (error) {
    if ((error as { code?: unknown }).code === 26) return []; // NamespaceNotFound
    throw error;
  }
}
