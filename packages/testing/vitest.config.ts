import { suiteConfig } from "./src/vitest.js";

export default suiteConfig({ name: "testing", database: false });
