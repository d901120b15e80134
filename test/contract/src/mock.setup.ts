// Serves the bundled spec with `prism mock`, as a partner would, for the mock run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForHttp } from "@sqibs/testing";
import type { TestProject } from "vitest/node";
import { bundledSpec, READY_WITHIN, startPrism } from "./processes.js";
import "./provided.js";

export default async function setup(project: TestProject) {
  const port = await freePort();
  const logs = mkdtempSync(join(tmpdir(), "sqibs-contract-mock-"));
  const prism = startPrism(
    ["mock", "--host", "127.0.0.1", "--port", String(port), bundledSpec],
    join(logs, "prism.log"),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(prism, `${baseUrl}/healthz`, READY_WITHIN);
  project.provide("contract", {
    target: "mock",
    baseUrl,
    globalToken: "sqibs_g_mock",
    adminToken: "sqibs_a_mock",
  });
  return () => prism.stop();
}
