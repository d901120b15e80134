import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

/**
 * Uptime Kuma's Webhook notification, body preset "application/json":
 * `{ heartbeat, monitor, msg }`. `heartbeat.status` is a number: 0 down, 1 up, 2 pending,
 * 3 maintenance. It renders as one digit, so `contains ["0"]` is exactly "status is 0" — a
 * substring test could only confuse 0 with 10, 20…, which Uptime Kuma never sends. (Kuma's
 * "Test" button sends `heartbeat: null`: no trigger passes and nothing is opened.)
 */
export const uptimeKuma: IntegrationTemplate = {
  name: "uptime-kuma",
  title: "Uptime Kuma",
  description:
    "One incident per monitor (monitor.id) when it goes down, titled with the monitor's name and described by the check's error; the up notification resolves it. Always high urgency.",
  from: "Uptime Kuma",
  filter: {
    triggers: [
      {
        urgency: "high",
        conditions: [{ key: "heartbeat.status", contains: ["0"] }],
        titleKey: "monitor.name",
        descriptionKey: "heartbeat.msg",
        correlationKey: "monitor.id",
      },
    ],
    resolve: {
      condition: { key: "heartbeat.status", contains: ["1"] },
      correlationKey: "monitor.id",
    },
  },
  guide: `In Uptime Kuma, **Settings → Notifications → Setup Notification**, type **Webhook**:

- **Post URL:** \`${BASE_URL_PLACEHOLDER}/v1/process?from=Uptime%20Kuma\`
- **Request Body:** Preset - \`application/json\`
- **Additional Headers:** on, with

${FENCE}json
{ "Authorization": "Bearer <API token of this service>" }
${FENCE}

Then enable the notification on the monitors (or tick **Default enabled** / **Apply on all existing monitors**). The **Test** button sends no heartbeat, so the service answers 202 and opens nothing: that is expected.

- **Incidents:** one per monitor (\`monitor.id\`) while it is down (\`heartbeat.status\` 0); Uptime Kuma's resend-while-down notifications add events to it, the up notification (\`heartbeat.status\` 1) resolves it. Pending (2) and maintenance (3) heartbeats open nothing.
- **Title:** \`monitor.name\` (\`Uptime Kuma - <monitor name>\`). **Description:** \`heartbeat.msg\` (the check's error).
- **Urgency:** high.
`,
};
