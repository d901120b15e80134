import { BASE_URL_PLACEHOLDER, FENCE, type IntegrationTemplate } from "../types.js";

const keys = { titleKey: "subject", descriptionKey: "message", correlationKey: "event_id" };
/** {EVENT.STATUS} is "PROBLEM" or "RESOLVED"; neither contains the other. */
const problem = { key: "event_status", contains: ["PROBLEM"] };
/** {EVENT.NSEVERITY} is one digit, 0 (not classified) to 5 (disaster): "contains" is "equals". */
const nseverity = (value: "4" | "5") => ({ key: "event_nseverity", contains: [value] });

/**
 * Zabbix's webhook media type with the script of the guide: it posts the media type's
 * parameters (Zabbix macros) as one flat JSON object. {EVENT.ID} is the problem event's id in
 * problem, update and recovery messages alike, so it ties them to one incident.
 */
export const zabbix: IntegrationTemplate = {
  name: "zabbix",
  title: "Zabbix",
  description:
    "One incident per problem event (event_id), titled with the action's subject; update messages add events and the recovery message resolves it. High urgency for High and Disaster severities, low otherwise.",
  from: "Zabbix",
  filter: {
    triggers: [
      { urgency: "high", conditions: [problem, nseverity("5")], ...keys },
      { urgency: "high", conditions: [problem, nseverity("4")], ...keys },
      { urgency: "low", conditions: [problem], ...keys },
    ],
    resolve: {
      condition: { key: "event_status", contains: ["RESOLVED"] },
      correlationKey: "event_id",
    },
  },
  guide: `Zabbix 6.0 or later. **Alerts → Media types → Create media type**, type **Webhook**, with these parameters:

| name | value |
|---|---|
| \`sqibs_url\` | \`${BASE_URL_PLACEHOLDER}/v1/process?from=Zabbix\` |
| \`sqibs_token\` | \`{ALERT.SENDTO}\` |
| \`event_id\` | \`{EVENT.ID}\` |
| \`event_value\` | \`{EVENT.VALUE}\` |
| \`event_status\` | \`{EVENT.STATUS}\` |
| \`event_update_status\` | \`{EVENT.UPDATE.STATUS}\` |
| \`event_severity\` | \`{EVENT.SEVERITY}\` |
| \`event_nseverity\` | \`{EVENT.NSEVERITY}\` |
| \`event_date\` | \`{EVENT.DATE}\` |
| \`event_time\` | \`{EVENT.TIME}\` |
| \`event_tags\` | \`{EVENT.TAGS}\` |
| \`host\` | \`{HOST.NAME}\` |
| \`trigger_id\` | \`{TRIGGER.ID}\` |
| \`subject\` | \`{ALERT.SUBJECT}\` |
| \`message\` | \`{ALERT.MESSAGE}\` |

and this script:

${FENCE}javascript
var params = JSON.parse(value);
var url = params.sqibs_url;
var token = params.sqibs_token;
delete params.sqibs_url;
delete params.sqibs_token;

var request = new HttpRequest();
request.addHeader('Content-Type: application/json');
request.addHeader('Authorization: Bearer ' + token);
var response = request.post(url, JSON.stringify(params));
var status = request.getStatus();
if (status < 200 || status >= 300) {
  throw 'SQIBS answered HTTP ' + status + ': ' + response;
}
return 'OK';
${FENCE}

Then give a Zabbix user this media type with an API token of this service as **Send to**, and send to that user from the action's **Operations**, **Recovery operations** and (optionally) **Update operations**. The action's default message templates ("Problem: {EVENT.NAME}", "Resolved in {EVENT.DURATION}: {EVENT.NAME}") fill \`subject\` and \`message\`.

- **URL:** \`${BASE_URL_PLACEHOLDER}/v1/process?from=Zabbix\`, posted with \`Authorization: Bearer <token>\`.
- **Incidents:** one per problem (\`event_id\`); update messages add events to it, the recovery message (\`event_status\` \`RESOLVED\`) resolves it.
- **Title:** \`subject\` (\`Zabbix - Problem: …\`). **Description:** \`message\`.
- **Urgency:** high for severities High (\`event_nseverity\` 4) and Disaster (5), low for the others.
`,
};
