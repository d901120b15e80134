import {
  createService,
  getService,
  type IntegrationTemplateName,
  listIntegrationTemplates,
  listServices,
  type Service,
  type ServiceState,
  updateService,
} from "@sqibs/api-client";
import { IntegrationTemplateNameSchema } from "@sqibs/api-client/schemas";
import { type Command, Option } from "commander";
import { type Context, contextOf, unwrap } from "../context.js";
import { CliError } from "../errors.js";
import { guideWithUrl } from "./templates.js";

interface CreateOptions {
  name?: string;
  team?: string;
  titleKey?: string;
  descriptionKey?: string;
  state?: ServiceState;
  template?: IntegrationTemplateName;
}

export function servicesCommand(program: Command): void {
  const services = program
    .command("services")
    .description("create, list, show, enable and disable services");

  services
    .command("create [name]")
    .description(
      "create a service (with --template: from an integration template, and print its guide)",
    )
    .option("--name <name>", "the service's name (instead of the argument)")
    .option("--team <teamId>", "its team (the default team when absent)")
    .addOption(
      new Option("--template <name>", "an integration template (sqibs templates list)").choices(
        IntegrationTemplateNameSchema.enum,
      ),
    )
    .option("--title-key <key>", "payload key for incident titles")
    .option("--description-key <key>", "payload key for incident descriptions")
    .addOption(new Option("--state <state>", "initial state").choices(["active", "disabled"]))
    .action(async (argument: string | undefined, options: CreateOptions, command: Command) => {
      if (argument !== undefined && options.name !== undefined && argument !== options.name) {
        throw new CliError(`two names: "${argument}" and --name "${options.name}"`);
      }
      const name = argument ?? options.name;
      if (name === undefined) throw new CliError("a name is needed: services create <name>");
      const context = contextOf(command);
      const service = await unwrap(
        context,
        createService({
          client: context.client,
          body: {
            name,
            ...(options.team ? { teamId: options.team } : {}),
            ...(options.titleKey ? { titleKey: options.titleKey } : {}),
            ...(options.descriptionKey ? { descriptionKey: options.descriptionKey } : {}),
            ...(options.state ? { state: options.state } : {}),
            ...(options.template !== undefined ? { template: options.template } : {}),
          },
        }),
      );
      showService(context, service);
      // --json prints the service only (as without --template); `templates show` has the guide.
      if (options.template === undefined || context.out.json) return;
      const { items } = await unwrap(context, listIntegrationTemplates({ client: context.client }));
      const template = items.find((item) => item.name === options.template);
      if (!template) return;
      context.out.line();
      context.out.line(`Set up ${template.title} (${context.url} is this service's address):`);
      context.out.line();
      context.out.line(guideWithUrl(template.guide, context.url).trimEnd());
    });

  services
    .command("list")
    .description("list the account's services")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const { items } = await unwrap(context, listServices({ client: context.client }));
      context.out.result(items, () => {
        context.out.table(
          items.map((service) => ({
            ...service,
            triggers: service.filter ? `${service.filter.triggers.length} trigger(s)` : "",
            maintenance: maintenanceText(service),
          })),
          [
            ["id", "ID"],
            ["name", "NAME"],
            ["state", "STATE"],
            ["maintenance", "MAINTENANCE"],
            ["template", "TEMPLATE"],
            ["titleKey", "TITLE KEY"],
            ["descriptionKey", "DESCRIPTION KEY"],
            ["triggers", "FILTER"],
            ["teamId", "TEAM"],
          ],
        );
      });
    });

  services
    .command("show <serviceId>")
    .description("show a service with its API filter and maintenance window")
    .action(async (serviceId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      showService(
        context,
        await unwrap(context, getService({ client: context.client, path: { serviceId } })),
      );
    });

  services
    .command("move <serviceId>")
    .description("move a service to another team (PATCH teamId)")
    .requiredOption("--team <teamId>", "the team to move it to")
    .action(async (serviceId: string, options: { team: string }, command: Command) => {
      const context = contextOf(command);
      const service = await unwrap(
        context,
        updateService({
          client: context.client,
          path: { serviceId },
          body: { teamId: options.team },
        }),
      );
      showService(context, service);
    });

  for (const [verb, state, what] of [
    ["disable", "disabled", "stop taking calls: create and log nothing"],
    ["enable", "active", "take calls again"],
  ] as const) {
    services
      .command(`${verb} <serviceId>`)
      .description(`${what} (PATCH state ${state})`)
      .action(async (serviceId: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const service = await unwrap(
          context,
          updateService({ client: context.client, path: { serviceId }, body: { state } }),
        );
        showService(context, service);
      });
  }
}

/** "now", "scheduled" (a window that does not hold now) or nothing. */
function maintenanceText(service: Service): string {
  if (service.inMaintenance) return service.maintenance?.tags ? "now (tagged)" : "now";
  return service.maintenance ? "scheduled" : "";
}

export function showService(context: Context, service: Service): void {
  context.out.result(service, () => {
    const window = service.maintenance;
    context.out.fields([
      ["ID", service.id],
      ["Name", service.name],
      ["Team", service.teamId],
      ["State", service.state],
      ["Template", service.template],
      ["Title key", service.titleKey],
      ["Description key", service.descriptionKey],
      ["In maintenance", service.inMaintenance],
      ...(window
        ? ([
            ["Maintenance", `${window.start ?? "now"} → ${window.end ?? "until ended"}`],
            ["Maintenance tags", window.tags?.map((group) => group.join(" + ")).join(" | ")],
          ] as Array<[string, unknown]>)
        : []),
      ["Created", service.createdAt],
      ["Updated", service.updatedAt],
    ]);
    if (service.filter) {
      context.out.line("API filter:");
      context.out.line(JSON.stringify(service.filter, null, 2));
    }
  });
}
