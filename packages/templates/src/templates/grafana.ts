import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

const keys = { titleKey: "title", descriptionKey: "message", correlationKey: "groupKey" };
const firing = { key: "status", contains: ["firing"] };

/**
 * Grafana Alerting's webhook contact point: the Alertmanager payload (`status`, `groupKey`,
 * `commonLabels`, `alerts[]`) plus `title` and `message` rendered from the contact point's
 * templates ("[FIRING:1] …" and the default message).
 */
export const grafana: IntegrationTemplate = {
  name: "grafana",
  title: "Grafana Alerting",
  description:
    "One incident per notification group (groupKey), titled with the notification's title and described by its message; the resolved notification resolves it. High urgency when the group's common severity label is critical, low otherwise.",
  from: "Grafana",
  filter: {
    triggers: [
      {
        urgency: "high",
        conditions: [firing, { key: "commonLabels.severity", contains: ["critical"] }],
        ...keys,
      },
      { urgency: "low", conditions: [firing], ...keys },
    ],
    resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
  },
  guide: `In Grafana, **Alerting → Contact points → Add contact point**, integration **Webhook**:

| setting | value |
|---|---|
| URL | \`${BASE_URL_PLACEHOLDER}/v1/process?from=Grafana\` |
| HTTP Method | \`POST\` |
| Authorization Header - Scheme | \`Bearer\` |
| Authorization Header - Credentials | an API token of this service |
| Disable resolved message | off (the resolved message resolves the incident) |

Leave **Title** and **Message** empty for Grafana's defaults, or set your own templates: they become the incident's title and description. Point a notification policy at the contact point. As a provisioning file:

${FENCE}yaml
apiVersion: 1
contactPoints:
  - orgId: 1
    name: sqibs
    receivers:
      - uid: sqibs
        type: webhook
        settings:
          url: "${BASE_URL_PLACEHOLDER}/v1/process?from=Grafana"
          httpMethod: POST
          authorization_scheme: Bearer
          authorization_credentials: "<API token of this service>"
${FENCE}

- **Incidents:** one per notification group (\`groupKey\`); repeats add events to it, \`status: resolved\` resolves it.
- **Title:** \`title\` (\`Grafana - [FIRING:1] …\`). **Description:** \`message\`.
- **Urgency:** high when \`commonLabels.severity\` contains \`critical\` (put a \`severity=critical\` label on the rules that should page), low otherwise.
`,
};
