import type { Db } from "mongodb";
import { isDuplicateKey } from "./database.js";
import { oneAtATimePerKey } from "./one-at-a-time.js";

/**
 * Fixed-window request counters, shared by every instance on the database: one document per
 * scope, id and window, `_id: "<scope>:<id>:<windowStart ms>"`, counted with a `$inc` upsert.
 * FerretDB has no TTL indexes: `deleteExpired` removes past windows.
 *
 * A window far from its limit is counted in memory and added to the database every
 * FLUSH_EVERY_MS (one update per window and instance, not one per call: an update is the
 * costliest write on FerretDB, and concurrent updates of one document lose counts there).
 * The first hit of a window in an instance, and every hit once the window is at half its
 * limit, wait for the database's count, so the limit holds across instances where it matters.
 */
interface WindowDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

/** One window as this instance sees it. */
interface Tally {
  /**
   * The database's count after this instance's last send (its own hits included); 0 until a
   * send succeeded, i.e. while the instance knows nothing of the others' hits.
   */
  shared: number;
  /** Hits counted here and being added to the database. */
  inFlight: number;
  /** Hits counted here and not yet sent. */
  pending: number;
  expiresAt: Date;
}

export type RateLimitScope = "token" | "account";

const FLUSH_EVERY_MS = 250;

export function rateLimitsRepository(db: Db) {
  const windows = db.collection<WindowDoc>("rate_limit_windows");
  const tallies = new Map<string, Tally>();
  /** One send of a window at a time: FerretDB loses one of two concurrent `$inc`s. */
  const sendInTurn = oneAtATimePerKey();
  let flushTimer: NodeJS.Timeout | undefined;

  async function add(key: string, tally: Tally, delta: number): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const counted = await windows.findOneAndUpdate(
          { _id: key },
          { $inc: { count: delta }, $setOnInsert: { expiresAt: tally.expiresAt } },
          { upsert: true, returnDocument: "after" },
        );
        return counted?.count ?? delta;
      } catch (error) {
        // Two first hits of a window raced on the upsert: the loser counts on the winner's.
        if (!isDuplicateKey(error) || attempt >= 2) throw error;
      }
    }
  }

  /**
   * Sends the tally's pending hits once the previous send of this window is done. The
   * database's total after it comes back, this call's hits included.
   */
  function flush(key: string, tally: Tally): Promise<number> {
    return sendInTurn(key, async () => {
      const delta = tally.pending;
      // An earlier send took this call's hits along.
      if (delta === 0) return tally.shared;
      tally.pending = 0;
      tally.inFlight += delta;
      try {
        const total = await add(key, tally, delta);
        tally.shared = Math.max(tally.shared, total);
        return total;
      } catch (error) {
        tally.pending += delta;
        throw error;
      } finally {
        tally.inFlight -= delta;
      }
    });
  }

  function scheduleFlush() {
    if (flushTimer) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      const newest = Math.max(
        0,
        ...[...tallies.values()].map((tally) => tally.expiresAt.getTime()),
      );
      for (const [key, tally] of tallies) {
        if (tally.pending > 0) {
          // A failed flush keeps its hits pending for the next one (or the next awaited hit).
          flush(key, tally).catch(() => scheduleFlush());
        } else if (tally.inFlight === 0 && tally.expiresAt.getTime() < newest) {
          tallies.delete(key);
        }
      }
    }, FLUSH_EVERY_MS);
    flushTimer.unref();
  }

  return {
    /**
     * Counts one request in the window and returns the count so far (this one included): the
     * database's own count when it was asked, else the best local estimate.
     */
    async hit(
      scope: RateLimitScope,
      id: string,
      windowStart: number,
      windowMs: number,
      limit: number,
    ): Promise<number> {
      const key = `${scope}:${id}:${windowStart}`;
      let tally = tallies.get(key);
      if (!tally) {
        tally = { shared: 0, inFlight: 0, pending: 0, expiresAt: new Date(windowStart + windowMs) };
        tallies.set(key, tally);
      }
      tally.pending += 1;
      const estimate = tally.shared + tally.inFlight + tally.pending;
      if (tally.shared === 0 || estimate * 2 >= limit) return flush(key, tally);
      scheduleFlush();
      return estimate;
    },

    /**
     * Sends every hit counted only here and waits for the sends under way: at shutdown, so no
     * hit is lost with the process.
     */
    async flushPending(): Promise<void> {
      await Promise.all([...tallies].map(([key, tally]) => flush(key, tally)));
    },

    /**
     * Deletes past windows, here too: a late flush of their hits would bring them back. (One
     * from another instance can: that window is deleted at the next clean-up.)
     */
    async deleteExpired(now: Date): Promise<number> {
      const past = [...tallies].filter(([, tally]) => tally.expiresAt <= now);
      for (const [key, tally] of past) {
        tally.pending = 0;
        tallies.delete(key);
      }
      // With nothing left to send, this waits for a send under way: it lands before the delete.
      await Promise.all(past.map(([key, tally]) => flush(key, tally)));
      const result = await windows.deleteMany({ expiresAt: { $lte: now } });
      return result.deletedCount;
    },
  };
}
