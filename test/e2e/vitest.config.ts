import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({ name: "e2e", database: true });
