import {
  createToken,
  type IssuedToken,
  listTokens,
  revokeToken,
  rotateToken,
  type TokenCreate,
  type TokenScope,
} from "@sqibs/api-client";
import { type Command, Option } from "commander";
import { type Context, contextOf, reportDone, unwrap } from "../context.js";
import { graceBody, scopeOf, seconds } from "./arguments.js";

export function tokensCommand(program: Command): void {
  const tokens = program
    .command("tokens")
    .description("create, list, rotate and revoke API tokens");

  tokens
    .command("create <name>")
    .description("create a token; its secret is shown this once")
    .addOption(
      new Option(
        "--scope <scope>",
        "global: every service; team: a team's services; service: one; admin: management",
      )
        .choices(["global", "team", "service", "admin"])
        .makeOptionMandatory(),
    )
    .option("--team <teamId>", "the team of a team token")
    .option("--service <serviceId>", "the service of a service token")
    .option("--debug", "keep this token's calls in the API call log")
    .action(
      async (
        name: string,
        options: { scope: TokenScope; team?: string; service?: string; debug?: boolean },
        command: Command,
      ) => {
        const context = contextOf(command);
        const debug = options.debug ? { debug: true } : {};
        const body: TokenCreate = { name, ...scopeOf(options), ...debug };
        const issued = await unwrap(context, createToken({ client: context.client, body }));
        showIssued(context, issued, "created");
      },
    );

  tokens
    .command("list")
    .description("list the account's tokens (never their secrets)")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const { items } = await unwrap(context, listTokens({ client: context.client }));
      context.out.result(items, () => {
        context.out.table(items, [
          ["id", "ID"],
          ["name", "NAME"],
          ["scope", "SCOPE"],
          ["serviceId", "SERVICE"],
          ["prefix", "PREFIX"],
          ["debug", "DEBUG"],
          ["createdAt", "CREATED"],
          ["lastUsedAt", "LAST USED"],
          ["revokedAt", "REVOKED"],
          ["teamId", "TEAM"],
        ]);
      });
    });

  tokens
    .command("rotate <tokenId>")
    .description("give the token a new secret; the old one works until the grace period ends")
    .option("--grace <seconds>", "how long the old secret stays valid (default 86400)", seconds)
    .action(async (tokenId: string, options: { grace?: number }, command: Command) => {
      const context = contextOf(command);
      const issued = await unwrap(
        context,
        rotateToken({
          client: context.client,
          path: { tokenId },
          ...graceBody(options.grace),
        }),
      );
      const graceEnds = new Date(Date.now() + (options.grace ?? 86_400) * 1000).toISOString();
      showIssued(context, issued, `rotated; the old secret works until about ${graceEnds}`);
    });

  tokens
    .command("revoke <tokenId>")
    .description("revoke the token at once (every secret)")
    .action(async (tokenId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await unwrap(context, revokeToken({ client: context.client, path: { tokenId } }));
      reportDone(context, "Token", tokenId, "revoked");
    });
}

function showIssued(context: Context, issued: IssuedToken, what: string): void {
  context.out.result(issued, () => {
    const { token } = issued;
    context.out.line(`Token ${token.name} (${token.id}) ${what}.`);
    context.out.fields([
      ["Scope", token.scope],
      ["Team", token.teamId],
      ["Service", token.serviceId],
      ["Debug", token.debug],
      ["Secret", issued.secret],
    ]);
    context.out.line();
    context.out.line("The secret is shown this once; only its hash is stored. Keep it now.");
  });
}
