import type { AppDeps } from "../container.js";
import { AUTO_RESOLVE_ACTOR, announceTransitions } from "./outbox.js";

const AUTO_RESOLVE_BATCH = 200;

export { AUTO_RESOLVE_ACTOR };

/**
 * Resolves open incidents that received no event for their trigger's autoResolveAfterSeconds
 * (announced to webhooks as `incident.resolved` by `auto-resolve`).
 */
export function autoResolveDue(deps: AppDeps): Promise<number> {
  return deps.repositories.incidents.autoResolveDue(
    deps.clock(),
    AUTO_RESOLVE_ACTOR,
    AUTO_RESOLVE_BATCH,
    announceTransitions(deps),
  );
}
