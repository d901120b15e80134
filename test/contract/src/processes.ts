import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Child, startChild } from "@sqibs/testing";

const require = createRequire(import.meta.url);
export const repoRoot = join(dirname(require.resolve("@sqibs/openapi/openapi.json")), "..", "..");
export const bundledSpec = require.resolve("@sqibs/openapi/openapi.json");
const prismBin = join(
  dirname(require.resolve("@stoplight/prism-cli/package.json")),
  "dist",
  "index.js",
);

/** Prism (mock or validating proxy), with its output in a log file. */
export function startPrism(args: string[], logFile: string): Child {
  return startChild(process.execPath, [prismBin, ...args], { logFile });
}

/** How long a process of the contract run may take to answer its first request. */
export const READY_WITHIN = { timeoutMs: 60_000, intervalMs: 200 };
