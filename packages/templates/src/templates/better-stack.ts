import { BASE_URL_PLACEHOLDER, type IntegrationTemplate } from "../types.js";

const correlationKey = "data.id";

/**
 * Better Stack Uptime's incident webhook: `{ event, data: { id, type: "incident", attributes } }`
 * on started, acknowledged and resolved. The filter reads only what every documented shape of
 * it has (`data.type`, `data.id`, `attributes.name`, `cause`, `resolved_at`), not the
 * `event`/`status` words: `resolved_at` is null until the incident is resolved, and a key that is
 * null counts as absent, so "present" is exactly "resolved".
 */
export const betterStack: IntegrationTemplate = {
  name: "better-stack",
  title: "Better Stack Uptime",
  description:
    "One incident per Better Stack incident (data.id), titled with the monitor's name and described by the cause; the acknowledged webhook adds an event, the resolved one (resolved_at set) resolves it. Always high urgency.",
  from: "Better Stack",
  filter: {
    triggers: [
      {
        urgency: "high",
        conditions: [{ key: "data.type", contains: ["incident"] }],
        titleKey: "data.attributes.name",
        descriptionKey: "data.attributes.cause",
        correlationKey,
      },
    ],
    resolve: {
      // No values: passes when resolved_at is present (not missing, null or blank).
      condition: { key: "data.attributes.resolved_at", contains: [] },
      correlationKey,
    },
  },
  guide: `In Better Stack Uptime, **Integrations → Exporting data → Webhook**, type **Incident webhook**:

- **URL:** \`${BASE_URL_PLACEHOLDER}/v1/process?from=Better%20Stack&token=<API token of this service>\`

Better Stack's incident webhook is set up with a URL alone, so the token goes in the \`token\` URL parameter (the service redacts it from every log line). Use a token of this service only, and rotate it if the URL leaks.

- **Incidents:** one per Better Stack incident (\`data.id\`); the \`acknowledged\` webhook adds an event to it, the \`resolved\` webhook (\`data.attributes.resolved_at\` set) resolves it.
- **Title:** \`data.attributes.name\` (\`Better Stack - <monitor name>\`). **Description:** \`data.attributes.cause\`.
- **Urgency:** high.
`,
};
