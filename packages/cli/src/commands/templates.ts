import { type IntegrationTemplate, listIntegrationTemplates } from "@sqibs/api-client";
import type { Command } from "commander";
import { type Context, contextOf, unwrap } from "../context.js";
import { CliError } from "../errors.js";

/** How the service's guides write its address (see @sqibs/templates BASE_URL_PLACEHOLDER). */
const GUIDE_BASE_URL = "https://sqibs.example.com";

/** The guide with the address the CLI talks to instead of the placeholder. */
export function guideWithUrl(guide: string, url: string): string {
  return guide.replaceAll(GUIDE_BASE_URL, url.replace(/\/+$/, ""));
}

export function templatesCommand(program: Command): void {
  const templates = program
    .command("templates")
    .description("the built-in integration templates (services create --template <name>)");

  templates
    .command("list")
    .description("list the integration templates")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const { items } = await unwrap(context, listIntegrationTemplates({ client: context.client }));
      context.out.result(items, () => {
        context.out.table(items, [
          ["name", "NAME"],
          ["title", "TOOL"],
          ["from", "FROM"],
          ["description", "WHAT IT DOES"],
        ]);
      });
    });

  templates
    .command("show <name>")
    .description("show a template's filter and its set-up guide")
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      showTemplate(context, await findTemplate(context, name));
    });
}

async function findTemplate(context: Context, name: string): Promise<IntegrationTemplate> {
  const { items } = await unwrap(context, listIntegrationTemplates({ client: context.client }));
  const template = items.find((item) => item.name === name);
  if (!template) {
    const known = items.map((item) => item.name).join(", ");
    throw new CliError(`no integration template "${name}"; the templates are ${known}`);
  }
  return template;
}

/** --json prints the template as the API has it (the guide with its placeholder address). */
function showTemplate(context: Context, template: IntegrationTemplate): void {
  context.out.result(template, () => {
    context.out.fields([
      ["Name", template.name],
      ["Tool", template.title],
      ["From", template.from],
      ["What it does", template.description],
    ]);
    context.out.line("API filter:");
    context.out.line(JSON.stringify(template.filter, null, 2));
    context.out.line();
    context.out.line(`Guide (${context.url} is this service's address):`);
    context.out.line();
    context.out.line(guideWithUrl(template.guide, context.url).trimEnd());
  });
}
