import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({ name: "bench", database: true });
