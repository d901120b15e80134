import type { AccountUpdate } from "@sqibs/api-client";
import { isSupportedLanguage, normalizeLanguage } from "@sqibs/i18n";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { AccountChanges } from "../repositories/accounts.js";
import type { Account } from "../repositories/index.js";
import { type Caller, requiredText } from "./caller.js";
import { rateLimitSetting } from "./rate-limit.js";

/** The caller's account, as authentication read it. */
export function getAccount(caller: Caller): Account {
  return caller.account;
}

/**
 * Name, preferred language (stored as the supported language it matches) and the account's own
 * rate limit (never above the configured default).
 */
export async function updateAccount(
  deps: AppDeps,
  caller: Caller,
  input: AccountUpdate,
): Promise<Account> {
  const changes: AccountChanges = {};
  if (input.name !== undefined) changes.name = requiredText(input.name, "name");
  if (input.language !== undefined) {
    if (!isSupportedLanguage(input.language)) {
      throw new AppError(
        "INVALID_REQUEST",
        `language: "${input.language}" is not a supported language (en, de, fr, pt-BR, zh-TW…).`,
        { errors: [{ field: "language", message: "not a supported language" }] },
      );
    }
    changes.language = normalizeLanguage(input.language);
  }
  if (input.rateLimitPerMinute !== undefined) {
    changes.rateLimitPerMinute = rateLimitSetting(
      input.rateLimitPerMinute,
      deps.config.ACCOUNT_RATE_LIMIT_PER_MINUTE,
      "ACCOUNT_RATE_LIMIT_PER_MINUTE",
    );
  }
  const updated = await deps.repositories.accounts.update(caller.account.id, changes, deps.clock());
  if (!updated) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  return updated;
}
