import type { Auth } from "./generated/core/auth.gen.js";

/**
 * The generated client fills every security scheme an operation lists. These pick one, so a
 * token travels in exactly one place (never in the URL unless asked for: `query` has a target
 * on the two ingest operations only, the service refuses admin tokens in URLs).
 */
export const credentials = {
  bearer: (token: string) => (auth: Auth) => (auth.scheme === "bearer" ? token : undefined),
  basic: (token: string) => (auth: Auth) =>
    auth.scheme === "basic" ? `sqibs:${token}` : undefined,
  callgooseHeader: (token: string) => (auth: Auth) =>
    auth.name === "X-Callgoose-Auth" ? token : undefined,
  query: (token: string) => (auth: Auth) => (auth.in === "query" ? token : undefined),
};
