import { openDatabase } from "./repositories/database.js";
import { createRepositories, ensureIndexes, type Repositories } from "./repositories/index.js";
import {
  type BootstrapInput,
  type BootstrapResult,
  bootstrapAccount,
} from "./usecases/bootstrap.js";

export interface SeededDatabase {
  account: BootstrapResult;
  repositories: Repositories;
  /** Drops the database and closes the connection. */
  close(): Promise<void>;
}

/**
 * A database with its indexes and one bootstrapped account, for tests and tools that start
 * the service on it: the set-up the service's own start-up would not do for them.
 */
export async function seedDatabase(options: {
  uri: string;
  dbName: string;
  account: BootstrapInput;
}): Promise<SeededDatabase> {
  const database = openDatabase({ uri: options.uri, dbName: options.dbName, timeoutMs: 5_000 });
  const repositories = createRepositories(database);
  await ensureIndexes(repositories);
  const account = await bootstrapAccount(
    { repositories, clock: () => new Date() },
    options.account,
  );
  return {
    account,
    repositories,
    close: async () => {
      await database.db.dropDatabase().catch(() => {});
      await database.close();
    },
  };
}
