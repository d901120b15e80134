import type { Collection, Db, ObjectId } from "mongodb";
import type { IncidentDoc } from "./documents.js";
import { hex } from "./ids.js";

/**
 * Where an account's numbering stood, read by `_id` when a process hands out its first number
 * for the account: `last` is a number some instance stored (never one merely handed out).
 * FerretDB answers the sorted read of the highest number by reading every incident of the
 * account (seconds once there are thousands: every call of the account waited for it after a
 * restart); it looks an `_id` up. Updated with `$max`, at most every HINT_INTERVAL_MS and at
 * shutdown: an update lost to another instance's (ADR 0001), or the numbers stored since the
 * last one before a crash, leave it behind, never ahead. A hint behind, or another instance
 * numbering the account at the same time, costs a collision on the unique
 * `{ accountId, number }` index, which stays the arbiter: the process continues after the hint
 * (read again) and its own counter, and after the highest number once an opening collided a
 * few times in a row.
 */
interface NumberHintDoc {
  _id: string;
  last: number;
}

const HINT_INTERVAL_MS = 200;

export interface IncidentNumbers {
  /** The account's next number, from memory once where numbering stands is known. */
  next(accountId: ObjectId): Promise<number>;
  /**
   * Another instance stored a number this process handed out: continue after the account's
   * hint, or, with `highest`, after the highest stored number (read by a sort, which FerretDB
   * answers by reading every incident of the account). Returns the number read.
   */
  skipTaken(accountId: ObjectId, highest: boolean): Promise<number>;
  /** An incident with this number is stored: the account's hint follows soon. */
  stored(accountId: ObjectId, number: number): void;
  /** Writes the hints not written yet (at shutdown, so that a restart continues exactly). */
  flush(): Promise<void>;
}

export function incidentNumbers(db: Db, incidents: Collection<IncidentDoc>): IncidentNumbers {
  const hints = db.collection<NumberHintDoc>("incident_number_hints");
  /** The last number this process handed out, per account. */
  const allocators = new Map<string, Promise<{ last: number }>>();
  /** The highest number stored per account and not yet in its hint. */
  const unsaved = new Map<string, number>();
  /** The read of the highest number per account that collisions answered with it share. */
  const highestReads = new Map<string, Promise<number>>();
  let timer: NodeJS.Timeout | undefined;
  let saving: Promise<void> | undefined;

  function highestNumber(accountId: ObjectId): Promise<number> {
    const account = hex(accountId);
    let read = highestReads.get(account);
    if (!read) {
      read = incidents
        .find({ accountId }, { projection: { number: 1 } })
        .sort({ number: -1 })
        .limit(1)
        .toArray()
        .then(([top]) => top?.number ?? 0);
      highestReads.set(account, read);
      // Shared within this turn only (the collisions of one insert command): a later collision
      // may have met a number stored after this read, and would take the read as a sign that
      // its delivery, not its number, was taken (insertNew).
      setImmediate(() => highestReads.delete(account));
    }
    return read;
  }

  async function hinted(account: string): Promise<number> {
    const hint = await hints.findOne({ _id: account });
    return hint?.last ?? 0;
  }

  function remember(account: string, number: number) {
    if (number > (unsaved.get(account) ?? 0)) unsaved.set(account, number);
  }

  async function save(): Promise<void> {
    const pending = [...unsaved];
    unsaved.clear();
    await Promise.all(
      pending.map(([account, last]) =>
        hints.updateOne({ _id: account }, { $max: { last } }, { upsert: true }).catch(() => {
          // Two instances' first upserts of one hint race (a duplicate key), or the database
          // is away: written with the next one.
          remember(account, last);
        }),
      ),
    );
  }

  function schedule() {
    if (timer || saving) return;
    timer = setTimeout(() => {
      timer = undefined;
      saving = save().finally(() => {
        saving = undefined;
        if (unsaved.size > 0) schedule();
      });
    }, HINT_INTERVAL_MS);
    timer.unref();
  }

  return {
    async next(accountId) {
      const account = hex(accountId);
      let allocator = allocators.get(account);
      if (!allocator) {
        allocator = hinted(account).then((last) => ({ last }));
        allocators.set(account, allocator);
        allocator.catch(() => allocators.delete(account));
      }
      const numbering = await allocator;
      numbering.last += 1;
      return numbering.last;
    },

    async skipTaken(accountId, highest) {
      const account = hex(accountId);
      const taken = highest ? await highestNumber(accountId) : await hinted(account);
      const numbering = await allocators.get(account);
      if (numbering) numbering.last = Math.max(numbering.last, taken);
      return taken;
    },

    stored(accountId, number) {
      remember(hex(accountId), number);
      schedule();
    },

    async flush() {
      clearTimeout(timer);
      timer = undefined;
      await saving;
      await save();
    },
  };
}
