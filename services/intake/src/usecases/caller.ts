import { AppError } from "../errors.js";
import type { TokenDoc } from "../repositories/documents.js";
import { type ObjectId, parseId } from "../repositories/ids.js";

/** The authenticated token a management call is made with: its account scopes every query. */
export type Caller = Pick<TokenDoc, "_id" | "accountId">;

/** The actor recorded on the events a call causes. */
export function actorOf(caller: Caller): string {
  return `token:${caller._id.toHexString()}`;
}

/** The id a path names; malformed ids are a 404 like ids of other accounts. */
export function idOrNotFound(text: string | undefined, what: string): ObjectId {
  const id = parseId(text);
  if (!id) throw notFound(what, text);
  return id;
}

export function notFound(what: string, id: string | undefined): AppError {
  return new AppError("NOT_FOUND", `No ${what} with id ${id ?? ""} in this account.`);
}

/** A trimmed name; blank is a 400 naming the field. */
export function requiredText(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed === "") {
    throw new AppError("INVALID_REQUEST", `${field}: must not be blank.`, {
      errors: [{ field, message: "must not be blank" }],
    });
  }
  return trimmed;
}
