import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({ name: "cli", database: true, testTimeout: 60_000 });
