import { endServiceMaintenance, setServiceMaintenance } from "@sqibs/api-client";
import type { Command } from "commander";
import { contextOf, unwrap } from "../context.js";
import { showService } from "./services.js";

interface SetOptions {
  start?: string;
  end?: string;
  tags: string[][];
}

/** `--tags disk,/var --tags deploy`: one group per flag, its tags comma-separated. */
function tagGroup(value: string, groups: string[][]): string[][] {
  return [...groups, value.split(",").map((tag) => tag.trim())];
}

export function maintenanceCommand(program: Command): void {
  const maintenance = program
    .command("maintenance")
    .description(
      "put a service in maintenance (now or in a window, for tagged payloads) and end it",
    );

  maintenance
    .command("set <serviceId>")
    .description(
      "replace the service's maintenance window; without --start and --end: now, until ended",
    )
    .option("--start <time>", "when it begins (ISO 8601, e.g. 2026-11-28T22:00:00Z)")
    .option("--end <time>", "when it ends (ISO 8601); after --start")
    .option(
      "--tags <tag,tag>",
      "only payloads containing all these tags (repeat for more groups; any group matches)",
      tagGroup,
      [],
    )
    .action(async (serviceId: string, options: SetOptions, command: Command) => {
      const context = contextOf(command);
      const service = await unwrap(
        context,
        setServiceMaintenance({
          client: context.client,
          path: { serviceId },
          body: {
            ...(options.start !== undefined ? { start: options.start } : {}),
            ...(options.end !== undefined ? { end: options.end } : {}),
            ...(options.tags.length ? { tags: options.tags } : {}),
          },
        }),
      );
      showService(context, service);
    });

  maintenance
    .command("end <serviceId>")
    .description("end the service's maintenance")
    .action(async (serviceId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await unwrap(context, endServiceMaintenance({ client: context.client, path: { serviceId } }));
      context.out.result({ serviceId, inMaintenance: false }, () =>
        context.out.line(`Service ${serviceId} is out of maintenance.`),
      );
    });
}
