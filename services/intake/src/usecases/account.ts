import type { AccountUpdate } from "@sqibs/api-client";
import { isSupportedLanguage, normalizeLanguage } from "@sqibs/i18n";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import type { Account } from "../repositories/index.js";
import { type Caller, requiredText } from "./caller.js";

/** The caller's account, as authentication read it. */
export function getAccount(caller: Caller): Account {
  return caller.account;
}

/** Name and preferred language; the language is stored as the supported language it matches. */
export async function updateAccount(
  deps: AppDeps,
  caller: Caller,
  input: AccountUpdate,
): Promise<Account> {
  const changes: Partial<Pick<Account, "name" | "language">> = {};
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
  const updated = await deps.repositories.accounts.update(caller.account.id, changes, deps.clock());
  if (!updated) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  return updated;
}
