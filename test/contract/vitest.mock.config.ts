import { fileURLToPath } from "node:url";
import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({
  name: "contract-mock",
  include: ["src/**/*.test.ts"],
  globalSetup: [fileURLToPath(new URL("./src/mock.setup.ts", import.meta.url))],
});
