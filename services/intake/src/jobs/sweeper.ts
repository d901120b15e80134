import type { AppDeps } from "../container.js";
import { autoResolveDue } from "../usecases/lifecycle.js";
import { forgetIdleSessions } from "../usecases/sessions.js";
import { forgetOldDeliveries } from "../usecases/webhooks.js";

const RETENTION_EVERY_MS = 3_600_000;

export interface Sweeper {
  /** One pass now (tests call it directly). */
  runOnce(): Promise<void>;
  stop(): void;
}

/**
 * Background work: auto-resolve incidents that went quiet, forget expired deliveries, idle
 * console sessions and (hourly) webhook deliveries past their retention.
 * Each scans an index by due time (ADR 0002). Safe with several instances on one database:
 * a resolve is a lifecycle transition that only one instance can claim (ADR 0001).
 */
export function startSweeper(deps: AppDeps, intervalMs: number): Sweeper {
  let running: Promise<void> | undefined;
  // Hours on the monotonic clock: a step of the wall clock (NTP, a resumed VM) would run both
  // scans at once, or hold them back for its length.
  let retentionAt = Number.NEGATIVE_INFINITY;
  let allExpiredAt = performance.now();
  const runOnce = async () => {
    running ??= (async () => {
      try {
        await autoResolveDue(deps);
        await deps.repositories.deliveries.deleteExpired();
        await forgetIdleSessions(deps);
        // Hourly: it scans the delivery log.
        if (performance.now() - retentionAt >= RETENTION_EVERY_MS) {
          retentionAt = performance.now();
          await forgetOldDeliveries(deps);
        }
        // Hourly, the first an hour after the start (not at every restart): a scan of every
        // delivery, for the expired ones that deleteExpired did not reach, behind live ones
        // of a longer window.
        if (performance.now() - allExpiredAt >= RETENTION_EVERY_MS) {
          allExpiredAt = performance.now();
          await deps.repositories.deliveries.deleteAllExpired();
        }
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
