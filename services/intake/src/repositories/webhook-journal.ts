import { type Db, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { DatabaseClock } from "./database-clock.js";
import { deleteBatches } from "./delete-batches.js";
import { DELIVERIES } from "./deliveries.js";
import { hex, toObjectId } from "./ids.js";
import type { InsertBatches } from "./insert-batches.js";

// The webhook journal (docs/adr/0003-webhook-journal.md): what an ingest call leaves for the
// webhooks that listen to an incident it opens, without a write of its own.
//
//   deliveries          `<instance>:<sequence>`: a journal entry, inserted with the call's
//                       claims (one insertMany into `deliveries`, no command of its own). It
//                       names the incident the call is to open and the webhooks subscribed to
//                       its opening; the event is rendered again from the stored incident.
//                       Removed once the deliveries are in the delivery log and the queue, or
//                       once its incident is known not to exist. Read by `_id` only.
//   webhook_instances   one heartbeat per running instance (`_id` the instance): the database
//                       time of its last beat, its lowest unsettled sequence and the highest it
//                       may use (reserved ahead); and `recovery:<instance>:<n>`, the claim of a
//                       dead instance's journal: whoever inserts it recovers the journal.

/** A journal entry: the incident a call opens, and the webhooks its opening goes to. */
export interface JournalEntry {
  id: string;
  accountId: string;
  incidentId: string;
  webhookIds: string[];
}

/** An instance's heartbeat. */
export interface InstanceBeat {
  instanceId: string;
  /** The database's time of the beat. */
  beatAt: Date;
  /** No sequence below it is unsettled. */
  lowest: number;
  /** No sequence above it is used. */
  reservedUpTo: number;
}

interface JournalDoc {
  _id: string;
  /** When it was stored (the database's time). */
  at: Date;
  journal: { accountId: ObjectId; incidentId: ObjectId; webhookIds: ObjectId[] };
}

interface InstanceDoc {
  _id: string;
  beatAt: Date;
  lowest?: number;
  reservedUpTo?: number;
}

/** Journal entries read by one command, at most. */
export const JOURNAL_READ = 512;
const RECOVERY = "recovery:";

export function journalEntryId(instanceId: string, sequence: number): string {
  return `${instanceId}:${sequence}`;
}

export function webhookJournalRepository(db: Db, batches: InsertBatches, clock: DatabaseClock) {
  const journal = db.collection<JournalDoc>(DELIVERIES);
  const instances = db.collection<InstanceDoc>("webhook_instances");
  // A tick's settled entries leave together: one delete of an `_id` `$in`.
  const deletes = deleteBatches({ maxBatch: 1_024 });

  return {
    /**
     * Inserts an entry, at the database's time, as the call's claims are (read the time, then
     * insert): called beside them, it joins their batch, one command.
     */
    async record(entry: JournalEntry): Promise<void> {
      const at = await clock.now();
      await batches.insert(journal, {
        _id: entry.id,
        at,
        journal: {
          accountId: toObjectId(entry.accountId),
          incidentId: toObjectId(entry.incidentId),
          webhookIds: entry.webhookIds.map(toObjectId),
        },
      });
    },

    /** The entries of these ids that are stored (one read of an `_id` `$in`). */
    async entries(ids: string[]): Promise<JournalEntry[]> {
      if (ids.length === 0) return [];
      const docs = await journal
        .find({ _id: { $in: ids }, journal: { $exists: true } }, { batchSize: ids.length })
        .toArray();
      return docs.map((doc) => ({
        id: doc._id,
        accountId: hex(doc.journal.accountId),
        incidentId: hex(doc.journal.incidentId),
        webhookIds: doc.journal.webhookIds.map(hex),
      }));
    },

    /** Removes entries (those removed together go out as one delete). */
    async remove(ids: string[]): Promise<void> {
      await Promise.all(ids.map((_id) => deletes.delete(journal, { _id })));
    },

    /** Writes the instance's heartbeat, at the database's time. */
    async beat(beat: Omit<InstanceBeat, "beatAt">): Promise<void> {
      const { instanceId, lowest, reservedUpTo } = beat;
      const beatAt = await clock.now();
      await instances.updateOne(
        { _id: instanceId },
        { $set: { beatAt, lowest, reservedUpTo } },
        { upsert: true },
      );
    },

    /** Every instance's heartbeat (one document per instance: a small collection). */
    async beats(): Promise<InstanceBeat[]> {
      const docs = await instances.find({}).toArray();
      return docs.flatMap((doc) =>
        doc._id.startsWith(RECOVERY)
          ? []
          : [
              {
                instanceId: doc._id,
                beatAt: doc.beatAt,
                lowest: doc.lowest ?? 1,
                reservedUpTo: doc.reservedUpTo ?? 0,
              },
            ],
      );
    },

    now: (): Promise<Date> => clock.now(),

    /**
     * Becomes the one recoverer of a dead instance's journal: false when another holds it. A
     * recoverer that has not finished within `leaseMs` died too: the next claim is free.
     */
    async claimRecovery(instanceId: string, leaseMs: number): Promise<boolean> {
      const now = await clock.now();
      for (let attempt = 1; ; attempt += 1) {
        const _id = `${RECOVERY}${instanceId}:${attempt}`;
        try {
          await instances.insertOne({ _id, beatAt: now });
          return true;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const held = await instances.findOne({ _id });
        if (held && now.getTime() - held.beatAt.getTime() <= leaseMs) return false;
      }
    },

    /** Forgets a recovered (or stopped) instance: its heartbeat and recovery claims. */
    async forget(instanceId: string): Promise<void> {
      await instances.deleteOne({ _id: instanceId });
      await instances.deleteMany({
        _id: { $gte: `${RECOVERY}${instanceId}:`, $lt: `${RECOVERY}${instanceId};` },
      });
    },
  };
}

/** A new instance id: unique per process start. */
export function newInstanceId(): string {
  return new ObjectId().toHexString();
}
