// Writes docs/integrations.md from the built templates (run `pnpm build` first).
import { writeFileSync } from "node:fs";
import { INTEGRATION_TEMPLATES, integrationsMarkdown } from "../dist/index.js";

const target = new URL("../../../docs/integrations.md", import.meta.url);
writeFileSync(target, integrationsMarkdown(INTEGRATION_TEMPLATES));
console.log(`wrote ${target.pathname}`);
