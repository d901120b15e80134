import { fileURLToPath } from "node:url";
import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({
  name: "browser",
  include: ["src/**/*.test.ts"],
  testTimeout: 60_000,
  // One Chromium at a time: the machine has two cores and the service runs beside it.
  fileParallelism: false,
  globalSetup: [fileURLToPath(new URL("./src/setup.ts", import.meta.url))],
});
