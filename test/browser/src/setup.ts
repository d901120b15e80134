// The browser tests' world: Chromium, the real service (started through its launcher,
// serving the built console) on a throwaway FerretDB (or MONGODB_URI), and one account to sign in with.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { seedDatabase, serviceLauncher } from "@sqibs/intake";
import { startSeededService } from "@sqibs/testing";
import type { TestProject } from "vitest/node";
import { ensureChromium } from "./chromium.js";
import "./provided.js";

const repoRoot = join(import.meta.dirname, "..", "..", "..");

export default async function setup(project: TestProject) {
  const chromium = ensureChromium();
  const { seed, service, stop } = await startSeededService({
    name: "browser",
    launcher: serviceLauncher,
    seed: (uri, dbName) =>
      seedDatabase({
        uri,
        dbName,
        account: { accountName: "Acme Ops", language: "en", titleKey: "title" },
      }),
    // The webhook tests' receivers listen on 127.0.0.1, over plain http.
    env: {
      VALIDATE_RESPONSES: "true",
      WEBHOOK_ALLOW_HTTP: "true",
      WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8",
    },
  });
  const { account } = seed;

  const screenshots = join(repoRoot, "test-results", "screenshots");
  mkdirSync(screenshots, { recursive: true });
  project.provide("browser", {
    baseUrl: service.url,
    adminToken: account.adminToken.secret,
    globalToken: account.globalToken.secret,
    serviceId: account.service.id,
    chromium,
    screenshots,
  });
  return () => stop();
}
