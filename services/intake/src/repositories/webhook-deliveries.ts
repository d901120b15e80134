import { createHash } from "node:crypto";
import { type Db, type Filter, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { DatabaseClock } from "./database-clock.js";
import { deleteBatches } from "./delete-batches.js";
import type { QueuedDelivery, QueueEntry, WebhookAttempt, WebhookDelivery } from "./entities.js";
import { hex, objectIdOrUndefined, optional, toObjectId } from "./ids.js";
import type { InsertBatches } from "./insert-batches.js";

// Outgoing deliveries (docs/adr/0002-scaling.md, "webhook deliveries"). Every race is an insert
// keyed by _id (ADR 0001), and the dispatcher scans a small collection:
//
//   webhook_deliveries  the delivery log: one document per (event, webhook), written once, with
//                       the exact body; its _id is derived from the event, so storing an event
//                       again (a retried ingest call) stores nothing.
//   webhook_queue       what is still to be sent: one entry per pending delivery, `_id` the
//                       delivery's, scanned by `dueAt`, deleted when the delivery is done. It
//                       holds no body, nor the event's id, and leaves out the fields at their
//                       usual values (`QueueDoc`): FerretDB reads every entry, whole, for each
//                       scan and count (a delete of finished entries, an `_id` `$in`, goes
//                       through the `_id` index), and its work grows with each entry's fields.
//                       The instance that stores a delivery hands it to its dispatcher with its
//                       body (store's `queued`); the bodies (and event ids) of what a scan finds
//                       are read from the log (`contentsOf`), by `_id` `$in`, once their rounds
//                       are claimed.
//   webhook_claims      `<delivery>:<round>`: whoever inserts it sends that round's attempt (or
//                       releases the round unsent: moves the entry on to its next round).
//   webhook_attempts    `<delivery>:<round>`: the attempt's outcome; whoever inserts it ends the
//                       round (deletes the queue entry, or moves it to its next round).

// As stored: the entities' fields, with ObjectIds for the ids (documents.ts does the same).
type StoredIds<T, K extends keyof T> = Omit<T, K> & { [P in K]: ObjectId };

interface DeliveryDoc extends StoredIds<Omit<WebhookDelivery, "id">, "accountId" | "webhookId"> {
  _id: ObjectId;
}

/** As stored: `attempts` 0, `trigger` "dispatch" and `oneShot` false are left out. */
interface QueueDoc
  extends StoredIds<
    Omit<QueueEntry, "deliveryId" | "attempts" | "trigger" | "oneShot">,
    "accountId" | "webhookId"
  > {
  _id: string;
  attempts?: number;
  trigger?: Exclude<QueuedDelivery["trigger"], "dispatch">;
  oneShot?: true;
}

interface ClaimDoc {
  _id: string;
  leaseUntil: Date;
}

interface AttemptDoc extends StoredIds<WebhookAttempt, "accountId" | "webhookId" | "deliveryId"> {
  _id: string;
}

/** A delivery to store: `key` names it (the event and the webhook), `at` is the event's time. */
export interface NewDelivery extends Omit<WebhookDelivery, "id" | "createdAt"> {
  key: string;
  at: Date;
}

/** Where a round stands when the dispatcher cannot claim it. */
export type RoundState =
  | { state: "done"; attempt: WebhookAttempt }
  | { state: "in-flight"; leaseUntil: Date }
  | { state: "abandoned" };

export type QueueChange = Pick<QueuedDelivery, "round" | "dueAt" | "attempts" | "trigger"> & {
  firstAttemptAt?: Date;
};

export interface StoredDeliveries {
  deliveries: WebhookDelivery[];
  /** The queue entries this store put in the queue (none for a delivery stored before). */
  queued: QueuedDelivery[];
}

/** What the dispatcher needs of a delivery besides its queue entry. */
export type DeliveryContent = Pick<QueuedDelivery, "body" | "eventId">;

/** Bodies read from the log by one command, at most (a tick claims up to 2,048 rounds). */
const BODIES_PER_READ = 256;

/**
 * The delivery's id: the event's second (so the log pages newest first by id, like every list
 * of the API) and 8 bytes of the key's SHA-256. The same event for the same webhook always
 * gets the same id, whoever stores it and however often.
 */
export function deliveryIdOf(at: Date, key: string): string {
  const seconds = Math.floor(at.getTime() / 1000)
    .toString(16)
    .padStart(8, "0");
  return `${seconds}${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
}

const roundId = (deliveryId: string, round: number) => `${deliveryId}:${round}`;

/**
 * Every time the queue and the claims hold (when an entry is due, until when a claim holds) is
 * the database's (database-clock.ts): instances compare them, so none may use its own clock.
 */
export function webhookDeliveriesRepository(db: Db, batches: InsertBatches, clock: DatabaseClock) {
  const deliveries = db.collection<DeliveryDoc>("webhook_deliveries");
  const queue = db.collection<QueueDoc>("webhook_queue");
  const claims = db.collection<ClaimDoc>("webhook_claims");
  const attempts = db.collection<AttemptDoc>("webhook_attempts");
  // A done entry leaves the queue within a tenth of a second: its instance leaves it out of
  // its scans meanwhile, and another instance's claim on it fails. Every delete scans the
  // queue on FerretDB: they go out together, a dispatcher tick's in one command.
  const deletes = deleteBatches({ lingerMs: 100, maxBatch: 1_024 });

  /** Inserts once: a document already there (same _id) is what was to be stored. */
  async function insertOnce<T extends { _id: unknown }>(
    insert: (doc: T) => Promise<void>,
    doc: T,
  ): Promise<boolean> {
    try {
      await insert(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  function queueDocOf(delivery: WebhookDelivery, entry: QueueChange): QueueDoc {
    return toQueueDoc({
      deliveryId: delivery.id,
      accountId: delivery.accountId,
      webhookId: delivery.webhookId,
      oneShot: delivery.oneShot,
      ...entry,
    });
  }

  return {
    /** The database's time, as this instance reads it. */
    now: (): Promise<Date> => clock.now(),

    /**
     * Stores deliveries and, unless `queued` is false, puts them in the queue, due now: the
     * log documents and the queue entries go out side by side (group commit), both keyed by
     * the delivery's id, so a second store of the same event changes nothing.
     */
    async store(
      input: NewDelivery[],
      options: { queued: boolean; round?: number },
    ): Promise<StoredDeliveries> {
      const now = await clock.now();
      const stored = input.map((delivery) => loggedDelivery(delivery, now));
      const queued: QueuedDelivery[] = [];
      await Promise.all(
        stored.flatMap((delivery) => {
          const log = insertOnce((doc) => batches.insert(deliveries, doc), toDeliveryDoc(delivery));
          if (!options.queued) return [log];
          const entry = queueDocOf(delivery, {
            round: options.round ?? 1,
            dueAt: now,
            attempts: 0,
            trigger: "dispatch",
          });
          const enqueue = insertOnce((doc) => batches.insert(queue, doc), entry).then((fresh) => {
            if (fresh) {
              queued.push({
                ...toQueueEntry(entry),
                body: delivery.body,
                eventId: delivery.eventId,
              });
            }
          });
          return [log, enqueue];
        }),
      );
      return { deliveries: stored, queued };
    },

    /**
     * Writes deliveries to the log alone (a journaled delivery whose first round was sent from
     * memory: its attempt and any retry's queue entry are written beside it). Each is dated
     * by its event, not by this write, which comes after its first attempt.
     */
    async log(input: NewDelivery[]): Promise<void> {
      await Promise.all(
        input.map((delivery) =>
          insertOnce(
            (doc) => batches.insert(deliveries, doc),
            toDeliveryDoc(loggedDelivery(delivery, delivery.at)),
          ),
        ),
      );
    },

    /** Queues a delivery in the round given (a retry of a round sent without a queue entry). */
    enqueue(delivery: NewDelivery, entry: QueueChange): Promise<boolean> {
      const doc = queueDocOf(loggedDelivery(delivery, entry.dueAt), entry);
      return insertOnce((queued) => batches.insert(queue, queued), doc);
    },

    /** Queue entries due now, oldest first, leaving out the webhooks and deliveries named. */
    async findDue(
      limit: number,
      skip: { webhookIds: string[]; deliveryIds: string[] },
    ): Promise<QueueEntry[]> {
      const filter: Filter<QueueDoc> = { dueAt: { $lte: await clock.now() } };
      if (skip.webhookIds.length) filter.webhookId = { $nin: skip.webhookIds.map(toObjectId) };
      if (skip.deliveryIds.length) filter._id = { $nin: skip.deliveryIds };
      const docs = await queue
        .find(filter)
        .sort({ dueAt: 1 })
        .limit(limit)
        .batchSize(limit)
        .toArray();
      return docs.map(toQueueEntry);
    },

    /**
     * The bodies and event ids of these deliveries, from the log, by delivery id: one read
     * of an `_id` `$in` per group (through the `_id` index, on FerretDB too with the patch of
     * packages/testing's ferretdb.ts). A delivery gone from the log (its webhook being
     * deleted) is missing from the answer.
     */
    async contentsOf(ids: string[]): Promise<Map<string, DeliveryContent>> {
      const contents = new Map<string, DeliveryContent>();
      const groups: string[][] = [];
      for (let start = 0; start < ids.length; start += BODIES_PER_READ) {
        groups.push(ids.slice(start, start + BODIES_PER_READ));
      }
      await Promise.all(
        groups.map(async (group) => {
          const logged = await deliveries
            .find(
              { _id: { $in: group.map(toObjectId) } },
              { projection: { body: 1, eventId: 1 }, batchSize: group.length },
            )
            .toArray();
          for (const doc of logged) {
            contents.set(hex(doc._id), { body: doc.body, eventId: doc.eventId });
          }
        }),
      );
      return contents;
    },

    /**
     * Whether a delivery is stored as `store` leaves it: in the log, and queued (its entry is
     * there, or gone after its first round was claimed). Reads by `_id`, for a retried call's
     * answer, which holds only once its events are stored (usecases/ingest.ts; a journaled
     * call's answer holds by its journal instead: usecases/journal.ts).
     */
    async isStored(id: string): Promise<boolean> {
      const [logged, entry, firstRound] = await Promise.all([
        deliveries.findOne({ _id: toObjectId(id) }, { projection: { _id: 1 } }),
        queue.findOne({ _id: id }, { projection: { _id: 1 } }),
        claims.findOne({ _id: roundId(id, 1) }, { projection: { _id: 1 } }),
      ]);
      return logged !== null && (entry !== null || firstRound !== null);
    },

    countDue: async () => queue.countDocuments({ dueAt: { $lte: await clock.now() } }),

    /**
     * Becomes the one sender of these entries' rounds for `leaseMs`: one claim each, inserted
     * together (group commit: one command for a tick's claims). `won[i]` is false where
     * somebody else holds entry i's round.
     */
    async claimRounds(
      entries: QueueEntry[],
      leaseMs: number,
    ): Promise<{ won: boolean[]; leaseUntil: Date }> {
      const leaseUntil = new Date((await clock.now()).getTime() + leaseMs);
      const won = await Promise.all(
        entries.map((entry) =>
          insertOnce((claim) => batches.insert(claims, claim), {
            _id: roundId(entry.deliveryId, entry.round),
            leaseUntil,
          }),
        ),
      );
      return { won, leaseUntil };
    },

    /** Why a round could not be claimed: done, in flight, or its claimant gone silent. */
    async roundState(entry: QueueEntry): Promise<RoundState> {
      const now = await clock.now();
      const id = roundId(entry.deliveryId, entry.round);
      const attempt = await attempts.findOne({ _id: id, accountId: toObjectId(entry.accountId) });
      if (attempt) return { state: "done", attempt: toAttempt(attempt) };
      const claim = await claims.findOne({ _id: id });
      if (claim && claim.leaseUntil > now)
        return { state: "in-flight", leaseUntil: claim.leaseUntil };
      return { state: "abandoned" };
    },

    /**
     * Records the round's outcome once; false when the round was already ended (another
     * instance found it abandoned and recorded it as interrupted).
     */
    recordAttempt(attempt: WebhookAttempt): Promise<boolean> {
      return insertOnce((doc) => batches.insert(attempts, doc), toAttemptDoc(attempt));
    },

    /**
     * Removes the entry from the queue, unless it moved on to another round meanwhile (the
     * deletes of entries done together go out as one command).
     */
    dequeue(entry: QueueEntry): Promise<void> {
      return deletes.delete(queue, { _id: entry.deliveryId, round: entry.round });
    },

    /** Moves the entry from its round to the next (a retry), unless it moved on meanwhile. */
    async reschedule(entry: QueueEntry, next: QueueChange): Promise<void> {
      const { _id, accountId, webhookId, ...fields } = toQueueDoc({ ...entry, ...next });
      const unset = OPTIONAL_QUEUE_FIELDS.filter((field) => !(field in fields));
      await queue.updateOne(
        { _id: entry.deliveryId, round: entry.round },
        {
          $set: fields,
          ...(unset.length > 0 ? { $unset: Object.fromEntries(unset.map((f) => [f, ""])) } : {}),
        },
      );
    },

    /**
     * Gives up a round claimed but not sent (the claimant stops, or could not send it in
     * time): the entry moves on to its next round, due now, as untried, so anyone claims it at
     * once. An entry that moved on meanwhile is left alone.
     */
    async releaseRound(entry: QueueEntry): Promise<void> {
      const now = await clock.now();
      await queue.updateOne(
        { _id: entry.deliveryId, round: entry.round },
        { $set: { round: entry.round + 1, dueAt: now } },
      );
    },

    /**
     * Puts a delivery back in the queue, due now, with a new retry period; a delivery still
     * in the queue is made due now, in a round of its own: the round in flight, when it ends,
     * leaves the entry alone (its dequeue and its retry name their own round), so the
     * redelivery is not lost to a delivery finishing meanwhile. An entry dequeued between the
     * insert and the update is inserted again.
     */
    async requeue(delivery: WebhookDelivery): Promise<void> {
      for (;;) {
        const now = await clock.now();
        // Above every round before it: its claim and attempt are new.
        const round = now.getTime();
        const entry = queueDocOf(delivery, {
          round,
          dueAt: now,
          attempts: 0,
          trigger: "redeliver",
        });
        if (await insertOnce((doc) => queue.insertOne(doc).then(() => {}), entry)) return;
        const { matchedCount } = await queue.updateOne(
          { _id: delivery.id },
          { $set: { round, dueAt: now, trigger: "redeliver" } },
        );
        if (matchedCount > 0) return;
      }
    },

    async findInWebhook(
      accountId: string,
      webhookId: string,
      id: string,
    ): Promise<WebhookDelivery | null> {
      const _id = objectIdOrUndefined(id);
      if (!_id) return null;
      const doc = await deliveries.findOne({
        _id,
        accountId: toObjectId(accountId),
        webhookId: toObjectId(webhookId),
      });
      return doc ? toDelivery(doc) : null;
    },

    /** Newest first; paging by id keeps pages stable while new deliveries arrive. */
    async listPage(
      accountId: string,
      webhookId: string,
      before: string | undefined,
      limit: number,
    ): Promise<WebhookDelivery[]> {
      const filter: Filter<DeliveryDoc> = {
        accountId: toObjectId(accountId),
        webhookId: toObjectId(webhookId),
      };
      if (before) filter._id = { $lt: toObjectId(before) };
      const docs = await deliveries.find(filter).sort({ _id: -1 }).limit(limit).toArray();
      return docs.map(toDelivery);
    },

    /** The queue entries of these deliveries (the pending ones), by delivery id. */
    async queuedOf(ids: string[]): Promise<Map<string, QueueEntry>> {
      if (ids.length === 0) return new Map();
      const docs = await queue.find({ _id: { $in: ids } }).toArray();
      return new Map(docs.map((doc) => [doc._id, toQueueEntry(doc)]));
    },

    /** Every attempt of these deliveries, oldest first. */
    async attemptsOf(accountId: string, ids: string[]): Promise<WebhookAttempt[]> {
      if (ids.length === 0) return [];
      const docs = await attempts
        .find({ accountId: toObjectId(accountId), deliveryId: { $in: ids.map(toObjectId) } })
        .sort({ at: 1, _id: 1 })
        .toArray();
      return docs.map(toAttempt);
    },

    /** The webhook's latest attempt, and its latest successful one. */
    async lastAttempts(
      accountId: string,
      webhookId: string,
    ): Promise<{ last?: WebhookAttempt; lastSuccess?: WebhookAttempt }> {
      const of = { accountId: toObjectId(accountId), webhookId: toObjectId(webhookId) };
      const [last, lastSuccess] = await Promise.all([
        attempts.findOne(of, { sort: { at: -1 } }),
        attempts.findOne({ ...of, succeeded: true }, { sort: { at: -1 } }),
      ]);
      return {
        ...(last ? { last: toAttempt(last) } : {}),
        ...(lastSuccess ? { lastSuccess: toAttempt(lastSuccess) } : {}),
      };
    },

    /**
     * The first failure the receiver is to blame for (not an interrupted attempt) after
     * `since` (or ever).
     */
    async firstFailureAfter(
      accountId: string,
      webhookId: string,
      since: Date | undefined,
    ): Promise<WebhookAttempt | undefined> {
      const doc = await attempts.findOne(
        {
          accountId: toObjectId(accountId),
          webhookId: toObjectId(webhookId),
          succeeded: false,
          reason: { $ne: "interrupted" },
          ...(since ? { at: { $gt: since } } : {}),
        },
        { sort: { at: 1 } },
      );
      return doc ? toAttempt(doc) : undefined;
    },

    /** Drops what is queued for a webhook (deleted, or being deleted) and its log. */
    async deleteForWebhooks(accountId: string, webhookIds: string[]): Promise<void> {
      if (webhookIds.length === 0) return;
      const of = {
        accountId: toObjectId(accountId),
        webhookId: { $in: webhookIds.map(toObjectId) },
      };
      await queue.deleteMany(of);
      await deliveries.deleteMany(of);
      await attempts.deleteMany(of);
    },

    /**
     * Forgets deliveries, attempts and claims older than `cutoff` (FerretDB has no TTL
     * indexes); a delivery still in the queue (redelivered) is kept with its attempts.
     */
    async deleteOlderThan(cutoff: Date): Promise<void> {
      const queued = await queue
        .find({}, { projection: { _id: 1 } })
        .toArray()
        .then((docs) => docs.map((doc) => toObjectId(doc._id)));
      const beforeCutoff = ObjectId.createFromTime(Math.floor(cutoff.getTime() / 1000));
      await deliveries.deleteMany({ _id: { $lt: beforeCutoff, $nin: queued } });
      await attempts.deleteMany({ at: { $lt: cutoff }, deliveryId: { $nin: queued } });
      await claims.deleteMany({ leaseUntil: { $lt: cutoff } });
    },
  };
}

/** A delivery as the log keeps it: its id from its event and webhook (deliveryIdOf). */
function loggedDelivery({ key, at, ...fields }: NewDelivery, createdAt: Date): WebhookDelivery {
  return { ...fields, id: deliveryIdOf(at, key), createdAt };
}

function toDeliveryDoc(delivery: WebhookDelivery): DeliveryDoc {
  return {
    _id: toObjectId(delivery.id),
    accountId: toObjectId(delivery.accountId),
    webhookId: toObjectId(delivery.webhookId),
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    url: delivery.url,
    body: delivery.body,
    oneShot: delivery.oneShot,
    createdAt: delivery.createdAt,
  };
}

function toDelivery(doc: DeliveryDoc): WebhookDelivery {
  return {
    id: hex(doc._id),
    accountId: hex(doc.accountId),
    webhookId: hex(doc.webhookId),
    eventId: doc.eventId,
    eventType: doc.eventType,
    url: doc.url,
    body: doc.body,
    oneShot: doc.oneShot,
    createdAt: doc.createdAt,
  };
}

/** The fields a queue document leaves out at their usual values. */
const OPTIONAL_QUEUE_FIELDS = ["attempts", "firstAttemptAt", "trigger", "oneShot"] as const;

function toQueueDoc(entry: QueueEntry): QueueDoc {
  return {
    _id: entry.deliveryId,
    accountId: toObjectId(entry.accountId),
    webhookId: toObjectId(entry.webhookId),
    round: entry.round,
    dueAt: entry.dueAt,
    ...(entry.attempts > 0 ? { attempts: entry.attempts } : {}),
    ...optional("firstAttemptAt", entry.firstAttemptAt),
    ...(entry.trigger !== "dispatch" ? { trigger: entry.trigger } : {}),
    ...(entry.oneShot ? { oneShot: true as const } : {}),
  };
}

function toQueueEntry(doc: QueueDoc): QueueEntry {
  return {
    deliveryId: doc._id,
    accountId: hex(doc.accountId),
    webhookId: hex(doc.webhookId),
    oneShot: doc.oneShot ?? false,
    round: doc.round,
    dueAt: doc.dueAt,
    attempts: doc.attempts ?? 0,
    ...optional("firstAttemptAt", doc.firstAttemptAt),
    trigger: doc.trigger ?? "dispatch",
  };
}

function toAttemptDoc(attempt: WebhookAttempt): AttemptDoc {
  const { deliveryId, accountId, webhookId, ...fields } = attempt;
  return {
    _id: roundId(deliveryId, attempt.round),
    accountId: toObjectId(accountId),
    webhookId: toObjectId(webhookId),
    deliveryId: toObjectId(deliveryId),
    ...fields,
  };
}

function toAttempt(doc: AttemptDoc): WebhookAttempt {
  const { _id, accountId, webhookId, deliveryId, ...fields } = doc;
  return {
    ...fields,
    deliveryId: hex(deliveryId),
    accountId: hex(accountId),
    webhookId: hex(webhookId),
  };
}
