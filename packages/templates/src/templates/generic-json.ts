import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

const keys = { titleKey: "title", descriptionKey: "description", correlationKey: "id" };
const firing = { key: "status", contains: ["firing"] };

/**
 * A small JSON format of our own for scripts and tools with a configurable webhook body.
 * `status` must be exactly "firing" or "resolved": conditions are substring tests, so a status
 * such as "unresolved" would read as resolved.
 */
export const genericJson: IntegrationTemplate = {
  name: "generic-json",
  title: "Generic JSON",
  description:
    'For any sender that can post JSON {"status": "firing" | "resolved", "id", "title", "description"}: one incident per id, resolved by status "resolved". High urgency unless "urgency" is "low".',
  from: "Webhook",
  filter: {
    triggers: [
      {
        urgency: "low",
        conditions: [firing, { key: "urgency", contains: ["low"] }],
        ...keys,
      },
      { urgency: "high", conditions: [firing], ...keys },
    ],
    resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "id" },
  },
  guide: `Post JSON to \`${BASE_URL_PLACEHOLDER}/v1/process?from=<sender name>\` with \`Authorization: Bearer <API token of this service>\`:

${FENCE}json
{
  "status": "firing",
  "id": "backup-db1",
  "title": "Nightly backup of db1 failed",
  "description": "pg_dump exited with status 1: disk full",
  "urgency": "high"
}
${FENCE}

${FENCE}sh
curl -fsS -X POST "${BASE_URL_PLACEHOLDER}/v1/process?from=backup" \\
  -H "Authorization: Bearer $SQIBS_TOKEN" -H 'Content-Type: application/json' \\
  -d '{"status":"resolved","id":"backup-db1","title":"Nightly backup of db1 failed"}'
${FENCE}

| field | meaning |
|---|---|
| \`status\` | \`firing\` opens (or adds an event to) the incident, \`resolved\` resolves it. Exactly these two words: a status such as \`unresolved\` would contain "resolved". |
| \`id\` | ties firing and resolved calls to one incident; the same \`id\` while it is open adds events to it |
| \`title\` | the incident's title (\`<from> - <title>\`) |
| \`description\` | the incident's description (without it: the whole payload) |
| \`urgency\` | optional: \`low\`, else high |

Other fields are kept with the payload.
`,
};
