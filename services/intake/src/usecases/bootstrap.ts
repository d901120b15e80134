import { normalizeLanguage } from "@sqibs/i18n";
import type { AppDeps } from "../container.js";
import type { Account, Service, Team } from "../repositories/index.js";
import { type IssuedToken, issueToken } from "./tokens.js";

export interface BootstrapInput {
  accountName: string;
  language: string;
  serviceName?: string;
  titleKey?: string;
  descriptionKey?: string;
}

export interface BootstrapResult {
  account: Account;
  /** The account's default team, where its first service is. */
  team: Team;
  service: Service;
  globalToken: IssuedToken;
  adminToken: IssuedToken;
}

type BootstrapDeps = Pick<AppDeps, "repositories" | "clock">;

/**
 * A new account with its default team and a default service in it, a global ingest token and
 * an admin token. The account is marked unfinished until the last step: a run that stops
 * half-way leaves it for `finishAccount` (`sqibs init` run again) rather than for a second
 * account.
 */
export async function bootstrapAccount(
  deps: BootstrapDeps,
  input: BootstrapInput,
): Promise<BootstrapResult> {
  const account = await deps.repositories.accounts.create(
    { name: input.accountName, language: normalizeLanguage(input.language) },
    deps.clock(),
  );
  return finishAccount(deps, account, input);
}

/** The account an earlier bootstrap left unfinished, if any. */
export function findUnfinishedAccount(deps: BootstrapDeps): Promise<Account | null> {
  return deps.repositories.accounts.findSetupPending();
}

/**
 * Finishes an account's set-up, whatever step an earlier run stopped at: its default team (made
 * only when it has none), its first service (the same), then a new global and admin token.
 * Tokens that the earlier run issued are revoked: their secrets were never shown to anyone.
 */
export async function finishAccount(
  deps: BootstrapDeps,
  account: Account,
  input: Omit<BootstrapInput, "accountName" | "language">,
): Promise<BootstrapResult> {
  const { accounts, teams, services, tokens } = deps.repositories;
  const team = await teams.ensureDefault(account.id, deps.clock());
  const [existing] = await services.listByAccount(account.id);
  const service =
    existing ??
    (await services.create(
      {
        accountId: account.id,
        teamId: team.id,
        name: input.serviceName ?? "Default service",
        state: "active",
        ...(input.titleKey ? { titleKey: input.titleKey } : {}),
        ...(input.descriptionKey ? { descriptionKey: input.descriptionKey } : {}),
      },
      deps.clock(),
    ));
  for (const token of await tokens.listByAccount(account.id)) {
    if (!token.revokedAt) await tokens.revoke(account.id, token.id, deps.clock());
  }
  const accountId = account.id;
  const globalToken = await issueToken(deps, { accountId, name: "global", scope: "global" });
  const adminToken = await issueToken(deps, { accountId, name: "admin", scope: "admin" });
  await accounts.completeSetup(accountId);
  const { setupPending, ...finished } = account;
  return { account: finished, team, service, globalToken, adminToken };
}
