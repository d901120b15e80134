import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

const keys = { titleKey: "title", descriptionKey: "body", correlationKey: "aggregate" };
/** $ALERT_TRANSITION: Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Renotify, Recovered. */
const transition = (value: string) => ({ key: "alert_transition", contains: [value] });

/**
 * Datadog's Webhooks integration with the payload of the guide. "Triggered" also matches
 * "Re-Triggered" (and "Warn" "Re-Warn"), which is wanted: both are the same alert again.
 */
export const datadog: IntegrationTemplate = {
  name: "datadog",
  title: "Datadog",
  description:
    "One incident per monitor alert (aggregation key); re-notifications add events and the Recovered notification resolves it. High urgency for Triggered and Renotify, low for Warn and No Data.",
  from: "Datadog",
  filter: {
    triggers: [
      { urgency: "high", conditions: [transition("Triggered")], ...keys },
      { urgency: "high", conditions: [transition("Renotify")], ...keys },
      { urgency: "low", conditions: [transition("Warn")], ...keys },
      { urgency: "low", conditions: [transition("No Data")], ...keys },
    ],
    resolve: { condition: transition("Recovered"), correlationKey: "aggregate" },
  },
  guide: `In Datadog, **Integrations → Webhooks → New**:

- **Name:** \`sqibs\`
- **URL:** \`${BASE_URL_PLACEHOLDER}/v1/process?from=Datadog\`
- **Custom headers:** \`{"Authorization": "Bearer $SQIBS_TOKEN"}\`, with \`SQIBS_TOKEN\` a custom variable (marked secret) holding an API token of this service
- **Payload:**

${FENCE}json
{
  "id": "$ID",
  "alert_id": "$ALERT_ID",
  "alert_transition": "$ALERT_TRANSITION",
  "alert_type": "$ALERT_TYPE",
  "alert_priority": "$ALERT_PRIORITY",
  "title": "$EVENT_TITLE",
  "body": "$EVENT_MSG",
  "aggregate": "$AGGREG_KEY",
  "alert_cycle_key": "$ALERT_CYCLE_KEY",
  "hostname": "$HOSTNAME",
  "scope": "$ALERT_SCOPE",
  "tags": "$TAGS",
  "link": "$LINK",
  "date": "$DATE",
  "org": { "id": "$ORG_ID", "name": "$ORG_NAME" }
}
${FENCE}

Then notify \`@webhook-sqibs\` in the monitors' messages (and keep the recovery notification: Datadog sends it to the same handles).

- **Incidents:** one per monitor alert (\`aggregate\`, the monitor and its group); re-notifications add events to it, \`alert_transition\` \`Recovered\` resolves it.
- **Title:** \`title\` (\`Datadog - [Triggered on {host:web-01}] …\`). **Description:** \`body\` (the monitor's message).
- **Urgency:** high for \`Triggered\`, \`Re-Triggered\` and \`Renotify\`; low for \`Warn\`, \`Re-Warn\`, \`No Data\` and \`Re-No Data\`.
`,
};
