// The browser tests' world: Chromium, the real service (dist/server.js, serving the built
// console) on a throwaway FerretDB (or MONGODB_URI), and one account to sign in with.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapAccount, createRepositories, ensureIndexes, openDatabase } from "@sqibs/intake";
import { freePort, startFerretDB, startProcess, uniqueDatabaseName, waitFor } from "@sqibs/testing";
import type { TestProject } from "vitest/node";
import { ensureChromium } from "./chromium.js";
import "./provided.js";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

export default async function setup(project: TestProject) {
  const chromium = ensureChromium();
  const scratch = mkdtempSync(join(tmpdir(), "sqibs-browser-"));
  const database = process.env.MONGODB_URI
    ? undefined
    : await startFerretDB({ dataDir: join(scratch, "db") });
  const uri = process.env.MONGODB_URI ?? database?.uri ?? "";
  const dbName = uniqueDatabaseName("browser");

  const seed = openDatabase({ uri, dbName, timeoutMs: 5_000 });
  const repositories = createRepositories(seed);
  await ensureIndexes(repositories);
  const account = await bootstrapAccount(
    { repositories, clock: () => new Date() },
    { accountName: "Acme Ops", language: "en", titleKey: "title" },
  );

  const port = await freePort();
  const service = startProcess(
    process.execPath,
    [join(repoRoot, "services/intake/dist/server.js")],
    join(scratch, "service.log"),
    {
      MONGODB_URI: uri,
      MONGODB_DB: dbName,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      VALIDATE_RESPONSES: "true",
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${baseUrl}/readyz`, service);

  const screenshots = join(repoRoot, "test-results", "screenshots");
  mkdirSync(screenshots, { recursive: true });
  project.provide("browser", {
    baseUrl,
    adminToken: account.adminToken.secret,
    globalToken: account.globalToken.secret,
    serviceId: account.service._id.toHexString(),
    chromium,
    screenshots,
  });
  return async () => {
    await service.stop();
    await seed.db.dropDatabase().catch(() => {});
    await seed.close();
    await database?.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
}
