import { fileURLToPath } from "node:url";
import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({
  name: "contract-live",
  include: ["src/**/*.test.ts"],
  globalSetup: [fileURLToPath(new URL("./src/live.setup.ts", import.meta.url))],
});
