#!/usr/bin/env node
// First: it tunes the heap before the rest of the service allocates.
import "./memory.js";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { createContainer } from "./container.js";
import { closeGracefully, createHttpServer, inFlightRequests } from "./http/http-server.js";
import { startMetricsServer } from "./http/metrics.js";
import { startDispatcher } from "./jobs/dispatcher.js";
import { startJournalKeeper } from "./jobs/journal-keeper.js";
import { startSweeper } from "./jobs/sweeper.js";
import { createLogger } from "./logging.js";
import { createMetrics } from "./metrics.js";
import { openDatabase } from "./repositories/database.js";
import { createRepositories, ensureIndexes } from "./repositories/index.js";

const config = loadConfig(process.env);
const logger = createLogger(config);
const database = openDatabase({
  uri: config.MONGODB_URI,
  dbName: config.MONGODB_DB,
  timeoutMs: config.DB_TIMEOUT_MS,
});
const repositories = createRepositories(database);
// The service starts even when the database is away (ingest answers 503 until it is back);
// the indexes, unique ones included, are created as soon as it answers.
void (async function createIndexesWhenReachable() {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await ensureIndexes(repositories);
      return;
    } catch (error) {
      logger.error({ err: error, attempt }, "could not create indexes; retrying");
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt, 10) * 1000));
    }
  }
})();

const metrics = createMetrics({ processMetrics: true });
const deps = createContainer({ config, logger, repositories, metrics });
const app = createApp(deps);
const sweeper = startSweeper(deps, config.SWEEP_INTERVAL_MS);
const dispatcher = startDispatcher(deps);
const journalKeeper = startJournalKeeper(deps, { recover: true });
const metricsServer =
  config.METRICS_PORT === undefined
    ? undefined
    : await startMetricsServer(metrics, config.METRICS_PORT, config.METRICS_HOST);
if (metricsServer) logger.info({ url: metricsServer.url }, "metrics listening");
const server = createHttpServer(app, config, logger);
server.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${config.HOST}:${port}` }, "listening");
  process.stdout.write(`sqibs intake listening on http://${config.HOST}:${port}\n`);
});

/**
 * SIGTERM (or SIGINT): stop accepting connections, let in-flight requests finish and be
 * answered, let the webhook attempts in flight end, send the rate-limit counts still in
 * memory and where incident numbering stands, then close the database and exit 0.
 * After SHUTDOWN_TIMEOUT_MS it exits 1 anyway.
 */
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info(
    { signal, inFlight: inFlightRequests(server) },
    "shutting down: finishing in-flight requests",
  );
  // Whatever hangs (a request, closing the database), the process ends.
  setTimeout(() => {
    logger.error("shutdown did not complete; exiting");
    process.exit(1);
  }, config.SHUTDOWN_TIMEOUT_MS + 2_000).unref();
  sweeper.stop();
  metricsServer?.server.close();
  const drained = await closeGracefully(server, config.SHUTDOWN_TIMEOUT_MS);
  if (!drained) {
    logger.error(
      { inFlight: inFlightRequests(server), timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
      "shutdown deadline passed; exiting with requests still in flight",
    );
    process.exit(1);
  }
  // Attempts in flight end (or time out) and are recorded; one cut short is taken over by
  // another instance once its claim's lease runs out.
  await dispatcher.stop(config.SHUTDOWN_TIMEOUT_MS);
  await journalKeeper.stop();
  await repositories.rateLimits.flushPending().catch((error: unknown) => {
    logger.warn({ err: error }, "could not send the last rate-limit counts");
  });
  await repositories.incidents.flushNumberHints();
  await database.close().catch((error: unknown) => {
    logger.warn({ err: error }, "closing the database failed");
  });
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
