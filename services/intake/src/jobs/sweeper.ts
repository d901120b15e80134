import type { AppDeps } from "../container.js";
import { autoResolveDue } from "../usecases/lifecycle.js";
import { forgetIdleSessions } from "../usecases/sessions.js";

export interface Sweeper {
  /** One pass now (tests call it directly). */
  runOnce(): Promise<void>;
  stop(): void;
}

/**
 * Background work: auto-resolve incidents that went quiet, forget expired deliveries and
 * idle console sessions.
 * Each scans an index by due time (ADR 0002). Safe with several instances on one database:
 * a resolve is a lifecycle transition that only one instance can claim (ADR 0001).
 */
export function startSweeper(deps: AppDeps, intervalMs: number): Sweeper {
  let running: Promise<void> | undefined;
  const runOnce = async () => {
    running ??= (async () => {
      try {
        await autoResolveDue(deps);
        await deps.repositories.deliveries.deleteExpired();
        await forgetIdleSessions(deps);
      } catch (error) {
        deps.logger.warn({ err: error }, "sweeper pass failed; retrying on the next tick");
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(runOnce, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
