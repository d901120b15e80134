import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

const title = { summary: "commonAnnotations.summary", alertname: "commonLabels.alertname" };
const keys = { descriptionKey: "commonAnnotations.description", correlationKey: "groupKey" };
const critical = { key: "commonLabels.severity", contains: ["critical"] };
const firing = { key: "status", contains: ["firing"] };
/** No values: passes when the key is present (not missing, null or blank). */
const hasSummary = { key: title.summary, contains: [] };

/**
 * Webhook payload version 4: one call per alert group, `status` "firing" (some alert of the group
 * fires) or "resolved" (all resolved), `groupKey` stable for the group's life.
 *
 * The resolve filter is checked before the triggers, so a trigger only ever sees a "firing"
 * group: the critical triggers spend their two conditions on severity and the title's source.
 */
export const prometheusAlertmanager: IntegrationTemplate = {
  name: "prometheus-alertmanager",
  title: "Prometheus Alertmanager",
  description:
    "One incident per alert group (groupKey); later notifications of the group add events to it and the resolved notification resolves it. High urgency when the group's common severity label is critical, low otherwise.",
  from: "Prometheus",
  filter: {
    triggers: [
      { urgency: "high", conditions: [critical, hasSummary], titleKey: title.summary, ...keys },
      { urgency: "high", conditions: [critical, firing], titleKey: title.alertname, ...keys },
      { urgency: "low", conditions: [firing, hasSummary], titleKey: title.summary, ...keys },
      { urgency: "low", conditions: [firing], titleKey: title.alertname, ...keys },
    ],
    resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
  },
  guide: `Add a receiver with a webhook to \`alertmanager.yml\` and route alerts to it:

${FENCE}yaml
route:
  receiver: sqibs
  group_by: [alertname, cluster, service]
receivers:
  - name: sqibs
    webhook_configs:
      - url: "${BASE_URL_PLACEHOLDER}/v1/process?from=Prometheus"
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: "<API token of this service>"   # or credentials_file: /etc/alertmanager/sqibs-token
${FENCE}

- **URL:** \`${BASE_URL_PLACEHOLDER}/v1/process?from=Prometheus\`. Use a service token of this service, so that the call runs through this service's filter only (a global token runs it through every active service of the account).
- **Incidents:** one per alert group (\`groupKey\`). Repeated and updated notifications of the group add events to the open incident; the \`resolved\` notification resolves it, so keep \`send_resolved: true\` (the default).
- **Title:** \`commonAnnotations.summary\` (\`Prometheus - <summary>\`), or \`commonLabels.alertname\` when the alerts of the group do not share one summary. **Description:** \`commonAnnotations.description\`, else the whole payload.
- **Urgency:** high when \`commonLabels.severity\` contains \`critical\` (a \`severity="critical"\` label on every alert of the group), low otherwise.
`,
};
