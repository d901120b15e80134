import {
  acknowledgeIncident,
  getIncident,
  type Incident,
  type IncidentStatus,
  listIncidents,
  resolveIncident,
  unacknowledgeIncident,
} from "@sqibs/api-client";
import { type Command, Option } from "commander";
import { type Context, contextOf, unwrap } from "../context.js";
import { pageLimit, readAll } from "./pages.js";

interface ListOptions {
  status?: IncidentStatus;
  service?: string;
  source?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

export function incidentsCommand(program: Command): void {
  const incidents = program
    .command("incidents")
    .description("list, show, acknowledge and resolve incidents");

  incidents
    .command("list")
    .description("list incidents, newest first")
    .addOption(
      new Option("--status <status>", "only this status").choices([
        "triggered",
        "acknowledged",
        "resolved",
      ]),
    )
    .option("--service <serviceId>", "only this service")
    .option("--source <from>", "only incidents sent with this `from`")
    .option("--limit <n>", "page size (1-100)", pageLimit)
    .option("--cursor <cursor>", "the page after this cursor")
    .option("--all", "every page")
    .action(async (options: ListOptions, command: Command) => {
      const context = contextOf(command);
      const filters = {
        ...(options.status ? { status: options.status } : {}),
        ...(options.service ? { serviceId: options.service } : {}),
        ...(options.source !== undefined ? { source: options.source } : {}),
      };
      const page = await readAll(options, (cursor, limit) =>
        unwrap(
          context,
          listIncidents({
            client: context.client,
            query: { ...filters, ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) },
          }),
        ),
      );
      context.out.result(page, () => {
        context.out.table(page.items, [
          ["number", "#"],
          ["id", "ID"],
          ["status", "STATUS"],
          ["urgency", "URGENCY"],
          ["title", "TITLE"],
          ["source", "SOURCE"],
          ["createdAt", "CREATED"],
        ]);
        if (page.nextCursor) context.out.line(`more: --cursor ${page.nextCursor}`);
      });
    });

  incidents
    .command("show <incidentId>")
    .description("show an incident with its events and raw payload")
    .action(async (incidentId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const incident = await unwrap(
        context,
        getIncident({ client: context.client, path: { incidentId } }),
      );
      showIncident(context, incident);
    });

  const transitions = [
    ["ack", "acknowledge a triggered incident", acknowledgeIncident],
    ["unack", "return an acknowledged incident to triggered", unacknowledgeIncident],
    ["resolve", "resolve a triggered or acknowledged incident", resolveIncident],
  ] as const;
  for (const [name, description, transition] of transitions) {
    incidents
      .command(`${name} <incidentId>`)
      .description(description)
      .option("--comment <text>", "a comment kept on the incident's event")
      .action(async (incidentId: string, options: { comment?: string }, command: Command) => {
        const context = contextOf(command);
        const incident = await unwrap(
          context,
          transition({
            client: context.client,
            path: { incidentId },
            ...(options.comment ? { body: { comment: options.comment } } : {}),
          }),
        );
        context.out.result(incident, () => {
          context.out.line(`Incident #${incident.number} (${incident.id}) is ${incident.status}.`);
        });
      });
  }
}

function showIncident(context: Context, incident: Incident): void {
  context.out.result(incident, () => {
    context.out.fields([
      ["Incident", `#${incident.number} (${incident.id})`],
      ["Title", incident.title],
      ["Status", incident.status],
      ["Urgency", incident.urgency],
      ["Service", incident.serviceId],
      ["Source", incident.source],
      ["Correlation", incident.correlationKey],
      ["Created", incident.createdAt],
      ["Acknowledged", incident.acknowledgedAt],
      ["Resolved", incident.resolvedAt],
      ["Events", incident.eventCount],
    ]);
    context.out.line("Description:");
    context.out.line(indent(incident.description));
    context.out.line("Event log:");
    context.out.table(incident.events, [
      ["at", "AT"],
      ["type", "TYPE"],
      ["actor", "ACTOR"],
      ["comment", "COMMENT"],
    ]);
    const { payload } = incident;
    context.out.line(`Payload (${payload.contentType ?? "no content type"}):`);
    context.out.line(
      indent(
        payload.body ??
          `(not UTF-8 text: ${Buffer.from(payload.bodyBase64, "base64").length} bytes, see --json)`,
      ),
    );
  });
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
