import type { AppDeps } from "../container.js";

const AUTO_RESOLVE_BATCH = 200;
export const AUTO_RESOLVE_ACTOR = "system:auto-resolve";

/** Resolves open incidents that received no event for their trigger's autoResolveAfterSeconds. */
export function autoResolveDue(deps: Pick<AppDeps, "repositories" | "clock">): Promise<number> {
  return deps.repositories.incidents.autoResolveDue(
    deps.clock(),
    AUTO_RESOLVE_ACTOR,
    AUTO_RESOLVE_BATCH,
  );
}
