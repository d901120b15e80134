#!/usr/bin/env node
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { openDatabase } from "./repositories/database.js";
import { createRepositories, ensureIndexes } from "./repositories/index.js";

const config = loadConfig(process.env);
const logger = pino({
  level: config.LOG_LEVEL,
  redact: ["req.headers.authorization", 'req.headers["x-callgoose-auth"]'],
});
const database = openDatabase({
  uri: config.MONGODB_URI,
  dbName: config.MONGODB_DB,
  timeoutMs: config.DB_TIMEOUT_MS,
});
const repositories = createRepositories(database);
await ensureIndexes(repositories).catch((error: unknown) => {
  // The service still starts: ingest answers 503 until the database is back.
  logger.error({ err: error }, "could not create indexes at start-up");
});

const app = createApp({ config, logger, repositories, clock: () => new Date() });
const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${config.HOST}:${port}` }, "listening");
  process.stdout.write(`sqibs intake listening on http://${config.HOST}:${port}\n`);
});

let stopping = false;
function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight requests");
  server.close(async () => {
    await database.close();
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
