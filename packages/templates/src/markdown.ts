import { FENCE, type IntegrationTemplate } from "./types.js";

/** docs/integrations.md, written from the templates so that the page and the data never differ. */
export function integrationsMarkdown(templates: readonly IntegrationTemplate[]): string {
  const rows = templates.map(
    (t) => `| [\`${t.name}\`](#${t.name}) | ${t.title} | \`${t.from}\` | ${cell(t.description)} |`,
  );
  const sections = templates.map(
    (t) => `<a id="${t.name}"></a>

## ${t.title}

Template \`${t.name}\`, suggested \`from=${t.from}\`. ${t.description}

### Setup

${t.guide.trim()}

### The filter

${FENCE}json
${compactJson(t.filter)}
${FENCE}
`,
  );
  return `# Integrations

<!-- Written by \`pnpm --filter @sqibs/templates write-docs\` from packages/templates: change the templates, then run it. -->

Built-in integration templates for the monitoring tools people run. Each is a complete API
filter (triggers with title, description and correlation keys and urgency, and a resolve
condition; see docs/product.md §5) and a short guide to the sender's configuration. Create a
service from one (\`POST /v1/services\` with \`"template": "<name>"\`, or
\`sqibs services create --template <name>\`), or put the filter shown here on an existing service
with \`PUT /v1/services/{serviceId}/filter\`.

Every filter is proven by an end-to-end test that plays the tool's documented payloads
(\`test/fixtures/<template>/\`) through a running service, and the Prometheus Alertmanager one
also by a real Alertmanager (\`test/e2e\`). Use an API token of the service itself: a global
token runs every call through every active service of the account.

| template | tool | suggested \`from\` | what it does |
|---|---|---|---|
${rows.join("\n")}

${sections.join("\n")}`;
}

/** JSON with each value on one line when it fits in WIDTH columns (filters read better so). */
export function compactJson(value: unknown, indent = 0): string {
  const flat = inlineJson(value);
  if (typeof value !== "object" || value === null || indent + flat.length <= WIDTH) return flat;
  const pad = " ".repeat(indent + 2);
  const end = `\n${" ".repeat(indent)}`;
  if (Array.isArray(value)) {
    return `[\n${value.map((item) => pad + compactJson(item, indent + 2)).join(",\n")}${end}]`;
  }
  const members = Object.entries(value).map(
    ([key, item]) => `${pad}${JSON.stringify(key)}: ${compactJson(item, indent + 2)}`,
  );
  return `{\n${members.join(",\n")}${end}}`;
}

const WIDTH = 96;

function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`);
    return members.length ? `{ ${members.join(", ")} }` : "{}";
  }
  return JSON.stringify(value);
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}
