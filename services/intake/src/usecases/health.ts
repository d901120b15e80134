import type { AppDeps } from "../container.js";

export type Readiness = "ready" | "preparing";

/**
 * Whether the service can take traffic: the database answers (else this throws) and the
 * indexes exist ("preparing" until ensureIndexes has created them).
 */
export async function readiness(deps: Pick<AppDeps, "repositories">): Promise<Readiness> {
  const { database } = deps.repositories;
  await database.ping();
  return database.indexesReady ? "ready" : "preparing";
}
