import { Command } from "commander";
import { filterCommand } from "./commands/filter.js";
import { incidentsCommand } from "./commands/incidents.js";
import { initCommand } from "./commands/init.js";
import { maintenanceCommand } from "./commands/maintenance.js";
import { requestsCommand } from "./commands/requests.js";
import { sendCommand } from "./commands/send.js";
import { servicesCommand } from "./commands/services.js";
import { teamsCommand } from "./commands/teams.js";
import { templatesCommand } from "./commands/templates.js";
import { tokensCommand } from "./commands/tokens.js";
import { webhooksCommand } from "./commands/webhooks.js";
import { DEFAULT_URL } from "./context.js";

/** The `sqibs` program: global options, then one sub-command per resource. */
export function buildProgram(): Command {
  const program = new Command("sqibs")
    .description("Manage a SQIBS-compatible incident intake service from the command line.")
    .option("--url <url>", `the service (env SQIBS_URL, default ${DEFAULT_URL})`)
    .option("--token <token>", "the API token (env SQIBS_TOKEN): admin, or ingest for send")
    .option("--json", "print JSON for scripts instead of tables")
    .configureOutput({
      // Usage errors are one line too: `sqibs: <reason>`.
      outputError: (text, write) =>
        write(
          `sqibs: ${text
            .replace(/^error: /, "")
            .replace(/\s*\n\s*/g, " ")
            .trim()}\n`,
        ),
    });
  initCommand(program);
  teamsCommand(program);
  servicesCommand(program);
  templatesCommand(program);
  filterCommand(program);
  maintenanceCommand(program);
  tokensCommand(program);
  incidentsCommand(program);
  requestsCommand(program);
  sendCommand(program);
  webhooksCommand(program);
  return program;
}
