import type { Db } from "mongodb";

/**
 * The database's time, as this instance estimates it: its own clock plus the offset to the
 * server's `localTime` (the `hello` command), measured at the first use and again every
 * minute. Times that one instance writes and another compares (an open-incident claim's age,
 * a delivery's lease and window) are database times: a skewed clock on one instance can then
 * neither make another's claim look old (taken over while its owner works) nor young (never
 * taken over). Accurate to about half a round trip. Its own clock is the monotonic one
 * (`performance.now()`): the offset then holds when the wall clock steps (NTP, a resumed VM),
 * where on Date.now a step back would shift the estimate, leases included, by its length until
 * the next measure, and hold that measure back as long.
 */
export interface DatabaseClock {
  now(): Promise<Date>;
}

const REMEASURE_EVERY_MS = 60_000;

export function databaseClock(
  db: Db,
  localNow: () => number = () => performance.now(),
): DatabaseClock {
  let offset: number | undefined;
  let measuredAt = Number.NEGATIVE_INFINITY;
  let measuring: Promise<void> | undefined;

  async function measure(): Promise<void> {
    const sent = localNow();
    const { localTime } = await db.command({ hello: 1 });
    const received = localNow();
    offset = new Date(localTime as Date).getTime() - (sent + received) / 2;
    measuredAt = received;
  }

  return {
    async now() {
      if (localNow() - measuredAt > REMEASURE_EVERY_MS) {
        measuring ??= measure().finally(() => {
          measuring = undefined;
        });
        // The first measure is awaited; later ones run beside the calls, on the last offset.
        if (offset === undefined) await measuring;
        else measuring.catch(() => {});
      }
      return new Date(localNow() + (offset ?? 0));
    },
  };
}
