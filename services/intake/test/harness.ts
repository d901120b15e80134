import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import type { Resolver } from "@sqibs/webhooks";
import { type Logger, pino } from "pino";
import { inject } from "vitest";
import { createApp } from "../src/app.js";
import { type Config, configWith } from "../src/config.js";
import { type AppDeps, createContainer } from "../src/container.js";
import { createHttpServer } from "../src/http/http-server.js";
import { type Dispatcher, startDispatcher } from "../src/jobs/dispatcher.js";
import { startJournalKeeper } from "../src/jobs/journal-keeper.js";
import { openDatabase } from "../src/repositories/database.js";
import { createRepositories, ensureIndexes } from "../src/repositories/index.js";
import type { ServiceChanges } from "../src/repositories/services.js";
import {
  type BootstrapInput,
  type BootstrapResult,
  bootstrapAccount,
} from "../src/usecases/bootstrap.js";

export interface TestService {
  url: string;
  deps: AppDeps;
  /** A new account (own service and tokens) in this suite's database. */
  account(input?: Partial<BootstrapInput>): ReturnType<typeof bootstrapAccount>;
  /**
   * Changes a service of the account straight in the database (its default service unless
   * named), for set-ups the API would refuse or that are not what a test is about.
   */
  configureService(
    account: BootstrapResult,
    set: ServiceChanges,
    serviceId?: string,
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real HTTP server on an ephemeral port, on a database of its own (dropped at close),
 * validating every response against the OpenAPI document.
 */
export async function startTestService(
  suite: string,
  overrides: Partial<Config> & {
    mongodbUri?: string;
    logger?: Logger;
    /** false: start before the indexes exist (server.ts creates them in the background). */
    createIndexes?: boolean;
    /** Send outgoing webhooks, as server.ts does (off by default: most suites send none). */
    dispatcher?: boolean;
    /** How webhook hosts resolve (the system's by default). */
    webhookResolver?: Resolver;
    /** How long the sender keeps a checked URL unused (its default otherwise). */
    webhookForgetIdleMs?: number;
  } = {},
): Promise<TestService> {
  const {
    mongodbUri,
    logger,
    createIndexes = true,
    dispatcher: dispatching = false,
    webhookResolver,
    webhookForgetIdleMs,
    ...configOverrides
  } = overrides;
  const config = configWith({
    MONGODB_URI: mongodbUri ?? inject("mongodbUri"),
    MONGODB_DB: uniqueDatabaseName(suite),
    VALIDATE_RESPONSES: true,
    ...configOverrides,
  });
  const database = openDatabase({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    timeoutMs: config.DB_TIMEOUT_MS,
  });
  const repositories = createRepositories(database);
  if (createIndexes) await ensureIndexes(repositories);
  const deps = createContainer({
    config,
    logger: logger ?? pino({ level: "silent" }),
    repositories,
    ...(webhookResolver ? { webhookResolver } : {}),
    ...(webhookForgetIdleMs !== undefined ? { webhookForgetIdleMs } : {}),
  });
  const dispatcher: Dispatcher | undefined = dispatching ? startDispatcher(deps) : undefined;
  const journalKeeper = startJournalKeeper(deps, { recover: dispatching });
  await journalKeeper.ready;
  const server: Server = createHttpServer(createApp(deps), config);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    account: (input = {}) =>
      bootstrapAccount(deps, { accountName: "Acme", language: "en", ...input }),
    configureService: async (account, set, serviceId = account.service.id) => {
      const updated = await repositories.services.update(
        account.account.id,
        serviceId,
        set,
        [],
        new Date(),
      );
      if (!updated) throw new Error(`no service ${serviceId} in the account`);
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      // Attempts still in flight (a receiver that never answers) end on their own timeout.
      await dispatcher?.stop(0);
      await journalKeeper.stop();
      // As the server's shutdown does: no flush of a rate-limit count outlives the database.
      await repositories.rateLimits.flushPending().catch(() => {});
      await database.db.dropDatabase().catch(() => {});
      await database.close();
    },
  };
}
