import { AppError } from "../errors.js";
import { type Account, isEntityId, type Token } from "../repositories/index.js";

/**
 * Who makes a call, once authenticated (authenticate.ts): the API token and its account, read
 * once per call, so no use case reads the account again.
 */
export interface Caller {
  token: Token;
  account: Account;
}

/** The actor recorded on the events a call causes. */
export function actorOf(caller: Caller): string {
  return `token:${caller.token.id}`;
}

/** The id a path names; malformed ids are a 404 like ids of other accounts. */
export function idOrNotFound(text: string | undefined, what: string): string {
  if (!isEntityId(text)) throw notFound(what, text);
  return text;
}

/** The id a query parameter names; a malformed one is a 400 naming the parameter. */
export function queryId(text: string | undefined, field: string, what: string): string | undefined {
  if (text === undefined || isEntityId(text)) return text;
  throw new AppError("INVALID_REQUEST", `${field}: not a ${what} id.`, {
    errors: [{ field, message: `not a ${what} id` }],
  });
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
