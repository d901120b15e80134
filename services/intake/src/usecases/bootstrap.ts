import { normalizeLanguage } from "@sqibs/i18n";
import type { AppDeps } from "../container.js";
import type { Account, Service } from "../repositories/index.js";
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
  service: Service;
  globalToken: IssuedToken;
  adminToken: IssuedToken;
}

/** A new account with a default service, a global ingest token and an admin token. */
export async function bootstrapAccount(
  deps: Pick<AppDeps, "repositories" | "clock">,
  input: BootstrapInput,
): Promise<BootstrapResult> {
  const now = deps.clock();
  const account = await deps.repositories.accounts.create(
    { name: input.accountName, language: normalizeLanguage(input.language) },
    now,
  );
  const service = await deps.repositories.services.create(
    {
      accountId: account.id,
      name: input.serviceName ?? "Default service",
      state: "active",
      ...(input.titleKey ? { titleKey: input.titleKey } : {}),
      ...(input.descriptionKey ? { descriptionKey: input.descriptionKey } : {}),
    },
    now,
  );
  const globalToken = await issueToken(deps, {
    accountId: account.id,
    name: "global",
    scope: "global",
  });
  const adminToken = await issueToken(deps, {
    accountId: account.id,
    name: "admin",
    scope: "admin",
  });
  return { account, service, globalToken, adminToken };
}
