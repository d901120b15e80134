import type { AppDeps } from "../container.js";
import { JOURNAL_BLOCK, lowestUnsettled, recoverDeadInstances } from "../usecases/journal.js";

export interface JournalKeeper {
  /** Resolves once the first sequences are reserved (or the first attempt failed). */
  ready: Promise<void>;
  /** Stops beating; an instance with nothing unsettled forgets its heartbeat. */
  stop(): Promise<void>;
}

/**
 * Keeps this instance's webhook journal (usecases/journal.ts): beats its heartbeat every third
 * of WEBHOOK_INSTANCE_LEASE_MS, with its lowest unsettled sequence and the highest it may use
 * (reserved a block ahead: a sequence is used only once its reservation is stored, so a
 * recovery reads every entry), and, with `recover`, recovers the journals of instances whose
 * heartbeat is older than the lease.
 */
export function startJournalKeeper(deps: AppDeps, options: { recover: boolean }): JournalKeeper {
  const journal = deps.webhooks.journal;
  const repository = deps.repositories.webhookJournal;
  const leaseMs = deps.config.WEBHOOK_INSTANCE_LEASE_MS;
  let beating: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  /** One beat at a time; a beat asked for meanwhile follows it. */
  function beat(): Promise<void> {
    if (beating) {
      again = true;
      return beating;
    }
    beating = (async () => {
      do {
        again = false;
        const reservedUpTo =
          journal.reservedUpTo - journal.next < JOURNAL_BLOCK / 2
            ? journal.next + JOURNAL_BLOCK
            : journal.reservedUpTo;
        try {
          await repository.beat({
            instanceId: journal.instanceId,
            lowest: lowestUnsettled(deps),
            reservedUpTo,
          });
          // Usable only once the heartbeat names it.
          journal.reservedUpTo = Math.max(journal.reservedUpTo, reservedUpTo);
        } catch (error) {
          deps.logger.warn({ err: error }, "webhook journal heartbeat failed; retrying");
          return;
        }
      } while (again && !stopped);
    })().finally(() => {
      beating = undefined;
    });
    return beating;
  }

  async function tick(): Promise<void> {
    await beat();
    if (!options.recover || stopped) return;
    try {
      await recoverDeadInstances(deps, leaseMs);
    } catch (error) {
      deps.logger.warn({ err: error }, "recovering a dead instance's webhook journal failed");
    }
  }

  journal.reserveMore = () => {
    if (!stopped) void beat();
  };
  const ready = beat();
  const timer = setInterval(() => void tick(), Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();
  void ready.then(tick);

  return {
    ready,
    async stop() {
      stopped = true;
      clearInterval(timer);
      journal.reserveMore = () => {};
      await beating;
      if (journal.pending.size === 0) {
        await repository.forget(journal.instanceId).catch(() => {});
      } else {
        // What is left is recovered by another instance (or the next start) a lease later.
        await repository
          .beat({
            instanceId: journal.instanceId,
            lowest: lowestUnsettled(deps),
            reservedUpTo: journal.reservedUpTo,
          })
          .catch(() => {});
      }
    },
  };
}
