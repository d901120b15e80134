import { TEXT_KEY } from "@sqibs/domain";
import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

/**
 * Plain text from cron jobs and scripts. One trigger without conditions takes every call, like a
 * filter without triggers, and adds one thing: the whole text as the correlation value, so a job
 * that keeps failing with the same message adds events to its open incident instead of opening
 * one per run. A text that differs (a timestamp in it) opens a new incident.
 *
 * No resolve filter: a resolve must carry the correlation value of the incident it closes, and a
 * "RESOLVED: …" text can never equal the failure text. Senders that need to resolve use the
 * generic-json template.
 */
export const plainText: IntegrationTemplate = {
  name: "plain-text",
  title: "Plain text (cron jobs and scripts)",
  description:
    'Every call opens an incident titled "Incident from <from>" with the whole text as its description; the same text again, while that incident is open, adds an event to it. Nothing resolves automatically. High urgency.',
  from: "cron",
  filter: {
    triggers: [{ urgency: "high", conditions: [], correlationKey: TEXT_KEY }],
  },
  guide: `Post any text to \`${BASE_URL_PLACEHOLDER}/v1/process?from=<job name>\`, with the token in a header or, where only a URL fits, in the \`token\` URL parameter:

${FENCE}sh
# crontab: report a failed backup with its last lines of output
0 3 * * * /usr/local/bin/backup.sh > /tmp/backup.log 2>&1 || tail -n 20 /tmp/backup.log | \\
  curl -fsS -X POST "${BASE_URL_PLACEHOLDER}/v1/process?from=backup-db1" \\
    -H "Authorization: Bearer $SQIBS_TOKEN" -H 'Content-Type: text/plain' --data-binary @-
${FENCE}

- **Incidents:** every call opens one, titled \`Incident from <from>\` (in the account's language) and described by the whole text. The same text again while that incident is open adds an event to it instead (a job failing the same way every run makes one incident, not one per run); leave timestamps out of the text to get this.
- **Resolve:** none. Plain text has no key that could tie a "resolved" message to the incident it closes: resolve it by hand or through the API, or send JSON with the generic-json template.
- **Urgency:** high.
`,
};
