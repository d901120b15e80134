import { isSupportedLanguage } from "@sqibs/i18n";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { CliError } from "../errors.js";
import { outputFor } from "../output.js";

interface InitOptions {
  name: string;
  language: string;
  service?: string;
  titleKey?: string;
  descriptionKey?: string;
  force?: boolean;
}

/**
 * `sqibs init`: the first account, its default service, a global (ingest) token and an admin
 * token — the one command that talks to the database directly (MONGODB_URI, MONGODB_DB). Run
 * again after it failed half-way (the database went away), it finishes that same account.
 */
export function initCommand(program: Command): void {
  program
    .command("init")
    .description(
      "create the first account, its service, a global and an admin token (uses MONGODB_URI)",
    )
    .requiredOption("--name <account>", "the account's name")
    .option("--language <tag>", "preferred language of default titles (BCP 47)", "en")
    .option("--service <name>", "the first service's name", "Default service")
    .option("--title-key <key>", "payload key for incident titles")
    .option("--description-key <key>", "payload key for incident descriptions")
    .option("--force", "add another account even when the database has one")
    .action(async (options: InitOptions, command: Command) => {
      const out = outputFor(command.optsWithGlobals<GlobalOptions>());
      const uri = process.env.MONGODB_URI;
      if (!uri) throw new CliError("MONGODB_URI is not set: init writes to the database directly");
      if (!isSupportedLanguage(options.language)) {
        throw new CliError(
          `"${options.language}" is not a supported language (en, de, fr, pt-BR…)`,
        );
      }
      // Loaded here only: the other commands never need the service's code.
      const intake = await import("@sqibs/intake");
      const database = intake.openDatabase({
        uri,
        dbName: process.env.MONGODB_DB || "sqibs",
        timeoutMs: 5_000,
      });
      try {
        const repositories = intake.createRepositories(database);
        await intake.ensureIndexes(repositories);
        const deps = { repositories, clock: () => new Date() };
        const setup = {
          ...(options.service ? { serviceName: options.service } : {}),
          ...(options.titleKey ? { titleKey: options.titleKey } : {}),
          ...(options.descriptionKey ? { descriptionKey: options.descriptionKey } : {}),
        };
        const unfinished = await intake.findUnfinishedAccount(deps);
        const accounts = await repositories.accounts.count();
        if (!unfinished && accounts > 0 && !options.force) {
          throw new CliError(
            `the database already has ${accounts === 1 ? "an account" : `${accounts} accounts`}; use --force to add another`,
          );
        }
        if (unfinished) {
          process.stderr.write(
            `sqibs: finishing the account ${unfinished.name} (${unfinished.id}) that an earlier init left unfinished\n`,
          );
        }
        const created = unfinished
          ? await intake.finishAccount(deps, unfinished, setup)
          : await intake.bootstrapAccount(deps, {
              accountName: options.name,
              language: options.language,
              ...setup,
            });
        const result = {
          account: {
            id: created.account.id,
            name: created.account.name,
            language: created.account.language,
          },
          team: { id: created.team.id, name: created.team.name },
          service: { id: created.service.id, name: created.service.name },
          globalToken: {
            id: created.globalToken.token.id,
            secret: created.globalToken.secret,
          },
          adminToken: {
            id: created.adminToken.token.id,
            secret: created.adminToken.secret,
          },
        };
        out.result(result, () => {
          out.fields([
            [
              "Account",
              `${result.account.name} (${result.account.id}), language ${result.account.language}`,
            ],
            ["Team", `${result.team.name} (${result.team.id})`],
            ["Service", `${result.service.name} (${result.service.id})`],
            ["Global token", `${result.globalToken.secret}   ingest: /v1/process, /v1/request`],
            ["Admin token", `${result.adminToken.secret}   management API and this CLI`],
          ]);
          out.line();
          out.line(
            "These two secrets are shown this once; only their hashes are stored. Keep them now.",
          );
          out.line(`For the CLI:  export SQIBS_TOKEN=${result.adminToken.secret}`);
        });
      } finally {
        await database.close();
      }
    });
}
