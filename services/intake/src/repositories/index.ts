import { accountsRepository } from "./accounts.js";
import type { Database } from "./database.js";
import { incidentsRepository } from "./incidents.js";
import { requestsRepository } from "./requests.js";
import { servicesRepository } from "./services.js";
import { tokensRepository } from "./tokens.js";

export type Repositories = ReturnType<typeof createRepositories>;

export function createRepositories(database: Database) {
  const { db } = database;
  return {
    database,
    accounts: accountsRepository(db),
    services: servicesRepository(db),
    tokens: tokensRepository(db),
    incidents: incidentsRepository(db),
    requests: requestsRepository(db),
  };
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
  ]);
}
