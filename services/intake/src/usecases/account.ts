import type { AccountUpdate } from "@sqibs/api-client";
import { isSupportedLanguage, normalizeLanguage } from "@sqibs/i18n";
import { AppError } from "../errors.js";
import type { AppDeps } from "../http/deps.js";
import type { AccountDoc } from "../repositories/documents.js";
import { type Caller, requiredText } from "./caller.js";

export async function getAccount(deps: AppDeps, caller: Caller): Promise<AccountDoc> {
  const account = await deps.repositories.accounts.findById(caller.accountId);
  if (!account) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  return account;
}

/** Name and preferred language; the language is stored as the supported language it matches. */
export async function updateAccount(
  deps: AppDeps,
  caller: Caller,
  input: AccountUpdate,
): Promise<AccountDoc> {
  const changes: Partial<Pick<AccountDoc, "name" | "language">> = {};
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
  const updated = await deps.repositories.accounts.update(caller.accountId, changes, deps.clock());
  if (!updated) throw new AppError("UNAUTHORIZED", "The API token's account no longer exists.");
  return updated;
}
