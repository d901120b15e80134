import {
  createTeam,
  deleteTeam,
  getTeam,
  listTeams,
  type Team,
  updateTeam,
} from "@sqibs/api-client";
import type { Command } from "commander";
import { type Context, contextOf, reportDone, unwrap } from "../context.js";

/** `sqibs teams`: teams group services; team tokens and team webhooks see their team only. */
export function teamsCommand(program: Command): void {
  const teams = program
    .command("teams")
    .description("create, list, rename and delete teams (every service is in one)");

  teams
    .command("create <name>")
    .description("create a team")
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      showTeam(
        context,
        await unwrap(context, createTeam({ client: context.client, body: { name } })),
      );
    });

  teams
    .command("list")
    .description("list the account's teams, the default team first")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const { items } = await unwrap(context, listTeams({ client: context.client }));
      context.out.result(items, () => {
        context.out.table(items, [
          ["id", "ID"],
          ["name", "NAME"],
          ["isDefault", "DEFAULT"],
          ["createdAt", "CREATED"],
        ]);
      });
    });

  teams
    .command("show <teamId>")
    .description("show a team")
    .action(async (teamId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      showTeam(
        context,
        await unwrap(context, getTeam({ client: context.client, path: { teamId } })),
      );
    });

  teams
    .command("rename <teamId> <name>")
    .description("rename a team")
    .action(async (teamId: string, name: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const team = await unwrap(
        context,
        updateTeam({ client: context.client, path: { teamId }, body: { name } }),
      );
      showTeam(context, team);
    });

  teams
    .command("delete <teamId>")
    .description(
      "delete a team without services (its team tokens are revoked, its webhooks deleted)",
    )
    .action(async (teamId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await unwrap(context, deleteTeam({ client: context.client, path: { teamId } }));
      reportDone(context, "Team", teamId, "deleted");
    });
}

function showTeam(context: Context, team: Team): void {
  context.out.result(team, () => {
    context.out.fields([
      ["ID", team.id],
      ["Name", team.name],
      ["Default", team.isDefault],
      ["Created", team.createdAt],
      ["Updated", team.updatedAt],
    ]);
  });
}
