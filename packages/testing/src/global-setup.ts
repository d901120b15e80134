// vitest globalSetup: one throwaway FerretDB per test run, or MONGODB_URI unchanged when set.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startFerretDB } from "./ferretdb.js";
import "./vitest.js";

export default async function setup(project: TestProject) {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide("mongodbUri", external);
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), "sqibs-test-db-"));
  const database = await startFerretDB({ dataDir });
  project.provide("mongodbUri", database.uri);
  return async () => {
    await database.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
