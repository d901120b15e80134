import { suiteConfig } from "./dist/vitest.js";

export default suiteConfig({ name: "testing", testTimeout: 180_000 });
