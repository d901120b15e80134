import { client, type Problem } from "@sqibs/api-client";

/**
 * The generated client, pointed at the service that serves the console. The session travels
 * in its HttpOnly cookie (the browser sends it; this code never sees it); calls that change
 * something carry the session's CSRF token, which lives only in memory.
 */
let csrfToken: string | undefined;

client.setConfig({
  baseUrl: window.location.origin,
  credentials: "same-origin",
  auth: (auth) => (auth.name === "X-CSRF-Token" ? csrfToken : undefined),
});

export function rememberCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The problem+json an operation failed with (thrown by the generated query functions). */
export function problemOf(error: unknown): Problem | undefined {
  if (error && typeof error === "object" && "status" in error && "detail" in error) {
    return error as Problem;
  }
  return undefined;
}

export function isUnauthorized(error: unknown): boolean {
  return problemOf(error)?.status === 401;
}
