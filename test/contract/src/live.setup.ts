// The live run: the real service on FerretDB (or MONGODB_URI), reached through `prism proxy`
// on the bundled spec, which reports every request or response that breaks the contract.
import { join } from "node:path";
import { seedDatabase, serviceLauncher } from "@sqibs/intake";
import { freePort, startSeededService, waitForHttp } from "@sqibs/testing";
import type { TestProject } from "vitest/node";
import { bundledSpec, READY_WITHIN, repoRoot, startPrism } from "./processes.js";
import "./provided.js";

export default async function setup(project: TestProject) {
  const { scratch, seed, service, stop } = await startSeededService({
    name: "contract-live",
    launcher: serviceLauncher,
    seed: (uri, dbName) =>
      seedDatabase({
        uri,
        dbName,
        account: { accountName: "Contract", language: "en", titleKey: "commonAnnotations.summary" },
      }),
  });
  const { account } = seed;

  const proxyPort = await freePort();
  const proxyLog = join(scratch, "prism-proxy.log");
  const proxy = startPrism(
    ["proxy", "--host", "127.0.0.1", "--port", String(proxyPort), bundledSpec, service.url],
    proxyLog,
  );
  const baseUrl = `http://127.0.0.1:${proxyPort}`;
  await waitForHttp(proxy, `${baseUrl}/healthz`, READY_WITHIN);

  project.provide("contract", {
    target: "live",
    baseUrl,
    globalToken: account.globalToken.secret,
    adminToken: account.adminToken.secret,
    proxyLog,
  });
  return async () => {
    await proxy.stop();
    await stop(Boolean(process.env.KEEP_CONTRACT_LOGS));
  };
}
