// Serves the bundled spec with `prism mock`, as a partner would, for the mock run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "@sqibs/testing";
import type { TestProject } from "vitest/node";
import { bundledSpec, startPrism } from "./processes.js";
import "./provided.js";

export default async function setup(project: TestProject) {
  const port = await freePort();
  const logs = mkdtempSync(join(tmpdir(), "sqibs-contract-mock-"));
  const prism = startPrism(
    ["mock", "--host", "127.0.0.1", "--port", String(port), bundledSpec],
    join(logs, "prism.log"),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`${baseUrl}/healthz`, prism);
  project.provide("contract", {
    target: "mock",
    baseUrl,
    globalToken: "sqibs_g_mock",
    adminToken: "sqibs_a_mock",
  });
  return () => prism.stop();
}
