import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({ name: "console", include: ["test/**/*.test.ts"] });
