import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Running, startProcess } from "@sqibs/testing";

const require = createRequire(import.meta.url);
export const repoRoot = join(dirname(require.resolve("@sqibs/openapi/openapi.json")), "..", "..");
export const bundledSpec = require.resolve("@sqibs/openapi/openapi.json");
const prismBin = join(
  dirname(require.resolve("@stoplight/prism-cli/package.json")),
  "dist",
  "index.js",
);

export function startPrism(args: string[], logFile: string): Running {
  return startProcess(process.execPath, [prismBin, ...args], logFile);
}
