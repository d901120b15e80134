import { suiteConfig } from "@sqibs/testing/vitest";

export default suiteConfig({ name: "openapi", include: ["test/**/*.test.ts"] });
