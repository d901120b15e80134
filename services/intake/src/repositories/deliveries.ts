import { type Collection, type Db, type Filter, type FindCursor, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { DatabaseClock } from "./database-clock.js";
import { hex, toObjectId } from "./ids.js";
import type { InsertBatches } from "./insert-batches.js";

/**
 * One document per delivery of a call (a body from a token to an endpoint, or an explicit
 * Idempotency-Key). Its `generation` names the writes of that delivery, so a retry after a
 * crash finds what the first attempt stored instead of storing it again.
 */
interface DeliveryDoc {
  _id: string;
  generation: ObjectId;
  /**
   * What was delivered (a digest of the body, `from` and content type): the same key with
   * another request is no retry. Absent on deliveries stored before it existed.
   */
  fingerprint?: string;
  /** Database times (database-clock.ts), as instances compare them. */
  createdAt: Date;
  expiresAt: Date;
  /**
   * A delivery without an answer whose lease ran out lost its owner (a crash): a retry takes
   * it over. A live owner renews it (keepLease), however slow its work.
   */
  leaseUntil: Date;
  /**
   * The owner's renewals of its lease, by generation (hex): a renewal names its generation in
   * the field it sets, not in its filter, so that its filter is the `_id` alone, which FerretDB
   * looks up instead of scanning the collection. A renewal of a generation taken over sets a
   * field that nobody reads.
   */
  renewedUntil?: Record<string, Date>;
  /**
   * The answer its owner presumed before writing anything, stored with the claim (one write
   * less): it holds once the writes it names are all stored (see PresumedAnswer).
   */
  presumed?: PresumedAnswer;
  /**
   * Who owns it since a takeover of its lease (absent: the owner that created its generation):
   * what its next takeover is keyed by (TakeoverDoc).
   */
  owner?: ObjectId;
}

/** Whom a takeover of the delivery takes it from. */
function ownerOf(delivery: DeliveryDoc): string {
  return hex(delivery.owner ?? delivery.generation);
}

/**
 * The takeover of a delivery from one owner, `_id: "<delivery>:<owner>"`: whoever inserts it
 * takes the delivery over (ADR 0001), then updates it by its `_id` alone. Its winner does so
 * at once; one that has not within a lease died in between, and the next takeover of that
 * owner is `"<delivery>:<owner>:<n+1>"`.
 */
interface TakeoverDoc {
  _id: string;
  /** Database time (database-clock.ts). */
  createdAt: Date;
  expiresAt: Date;
}

/**
 * The claim of a delivery taken over, in the generation it has now; `earlier`: what the owner
 * taken over presumed, when the generation is kept.
 */
function takenOver(delivery: DeliveryDoc, earlier?: PresumedAnswer): DeliveryClaim {
  return {
    role: "owner",
    generation: hex(delivery.generation),
    expiresAt: delivery.expiresAt,
    presumed: false,
    ...(earlier ? { earlier } : {}),
  };
}

/** Where a delivery's lease ends: its owner's last renewal, or the claim's own lease. */
function leaseEnd(delivery: DeliveryDoc): Date {
  const renewed = delivery.renewedUntil?.[hex(delivery.generation)];
  return renewed && renewed > delivery.leaseUntil ? renewed : delivery.leaseUntil;
}

/**
 * The answer of a delivery's generation, written once when it completes. An insert, not an
 * update of the delivery: inserts are batched (insert-batches.ts) and never lost under
 * concurrency on FerretDB (ADR 0001).
 */
interface DeliveryAnswerDoc {
  _id: ObjectId;
  status: number;
  response: string;
  expiresAt: Date;
}

/**
 * An answer known before the call writes anything (nothing to write, or new incidents whose ids
 * are chosen up front, and their outgoing webhook deliveries), stored with the delivery's claim
 * instead of after the writes. A retry replays it only once `settle` finds every write it names
 * stored (an owner that died first is taken over, and stores a real answer); an answer in
 * `delivery_answers` goes before it.
 */
export interface PresumedAnswer {
  status: number;
  response: string;
  /** The ids of the webhook deliveries (the outbox) the writes store; absent when none. */
  outbox?: string[];
  /**
   * The webhook journal's entries stored with the claim (usecases/journal.ts): the incidents
   * are stored only after them, and they stay until the outbox's deliveries are stored, so
   * the answer holds once the incidents are stored.
   */
  journal?: string[];
}

/** The response to replay for a presumed answer whose writes are all stored; else null. */
export type Settle = (presumed: PresumedAnswer) => Promise<string | null>;

/**
 * A delivery's generation is the id its writes carry (a retry after a crash finds them). An
 * owner whose presumed answer was stored with its claim (`presumed`) stores no other answer
 * if the call comes out as presumed. An owner that took the generation over from the owner
 * that created it is given the answer that one presumed, if it stored one (`earlier`): it
 * names the writes that owner chose (a takeover unsets it, so a later owner is given none).
 */
export type DeliveryClaim =
  | {
      role: "owner";
      generation: string;
      expiresAt: Date;
      presumed: boolean;
      earlier?: PresumedAnswer;
    }
  | { role: "replay"; generation: string; status: number; response: string }
  | { role: "mismatch" };

export const DEFAULT_LEASE_MS = 5_000;
/** The deliveries' collection; the open-incident claims live in it too (incidents.ts). */
export const DELIVERIES = "deliveries";
const WAIT_STEP_MS = 25;

export function deliveriesRepository(
  db: Db,
  batches: InsertBatches,
  clock: DatabaseClock,
  leaseMs = DEFAULT_LEASE_MS,
) {
  const deliveries = db.collection<DeliveryDoc>(DELIVERIES);
  const answerDocs = db.collection<DeliveryAnswerDoc>("delivery_answers");
  const takeovers = db.collection<TakeoverDoc>("delivery_takeovers");

  /**
   * Takes the delivery over from the owner it was read with, if this call wins the takeover
   * and the delivery is still `due` for it (its owner did not renew its lease since): then
   * updates it by its `_id` alone (FerretDB reads the whole collection for any other filter).
   * The new owner presumes nothing: whatever a previous owner presumed no longer holds.
   */
  async function takeOver(
    existing: DeliveryDoc,
    at: Date,
    keepForMs: number,
    due: (current: DeliveryDoc) => boolean,
    changes: { $set: Partial<DeliveryDoc>; $unset?: Record<string, ""> },
  ): Promise<boolean> {
    if (!(await winTakeover(existing, at, keepForMs))) return false;
    const current = await deliveries.findOne({ _id: existing._id });
    // Gone, or forgotten and delivered anew, since it was read; or its owner is alive.
    if (!current || ownerOf(current) !== ownerOf(existing) || !due(current)) return false;
    await deliveries.updateOne(
      { _id: existing._id },
      { $set: changes.$set, $unset: { presumed: "", ...changes.$unset } },
    );
    return true;
  }

  /** Inserts the takeover of the delivery's owner: false when another call holds it. */
  async function winTakeover(existing: DeliveryDoc, at: Date, keepForMs: number) {
    const takeover = `${existing._id}:${ownerOf(existing)}`;
    for (let attempt = 1; ; ) {
      const _id = attempt === 1 ? takeover : `${takeover}:${attempt}`;
      const expiresAt = new Date(at.getTime() + keepForMs + leaseMs);
      try {
        await batches.insert(takeovers, { _id, createdAt: at, expiresAt });
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const held = await takeovers.findOne({ _id });
      if (held && at.getTime() - held.createdAt.getTime() <= leaseMs) return false;
      // Its winner died before it took the delivery over: the next attempt is free.
      if (held) attempt += 1;
    }
  }

  /** The stored answer of the delivery's generation, else its presumed one once it holds. */
  async function answerOf(existing: DeliveryDoc, settle: Settle | undefined) {
    const stored = await answerDocs.findOne({ _id: existing.generation });
    if (stored) return { status: stored.status, response: stored.response };
    if (!existing.presumed || !settle) return null;
    const response = await settle(existing.presumed);
    return response === null ? null : { status: existing.presumed.status, response };
  }

  return {
    /**
     * Becomes the owner of a delivery, or waits for the owner's answer to replay it; the same
     * key with another fingerprint within the window is a mismatch (nothing to replay). A new
     * delivery stores `presumed` with its claim; `settle` judges a stored one. A new
     * generation is `generation` when given (chosen by the caller, so that it can build its
     * writes before the claim is answered), else a new id.
     */
    async claim(
      key: string,
      windowMs: number,
      fingerprint: string,
      answers: { presumed?: PresumedAnswer | undefined; settle?: Settle; generation?: string } = {},
    ): Promise<DeliveryClaim> {
      // Stored at most once: a claim that stores it returns.
      const generation = answers.generation ? toObjectId(answers.generation) : new ObjectId();
      for (;;) {
        const at = await clock.now();
        const fresh: DeliveryDoc = {
          _id: key,
          generation,
          fingerprint,
          createdAt: at,
          expiresAt: new Date(at.getTime() + windowMs),
          leaseUntil: new Date(at.getTime() + leaseMs),
          ...(answers.presumed ? { presumed: answers.presumed } : {}),
        };
        try {
          await batches.insert(deliveries, fresh);
          return {
            role: "owner",
            generation: hex(fresh.generation),
            expiresAt: fresh.expiresAt,
            presumed: answers.presumed !== undefined,
          };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const existing = await deliveries.findOne({ _id: key });
        if (!existing) continue;
        if (existing.expiresAt <= at) {
          const { _id, presumed: _notHere, ...fields } = fresh;
          // A new generation: the owner is the one that created it.
          const changes = { $set: fields, $unset: { owner: "" as const } };
          if (await takeOver(existing, at, windowMs, () => true, changes)) {
            return takenOver(fresh);
          }
          await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
          continue;
        }
        if (existing.fingerprint !== undefined && existing.fingerprint !== fingerprint) {
          return { role: "mismatch" };
        }
        const answer = await answerOf(existing, answers.settle);
        if (answer) return { role: "replay", generation: hex(existing.generation), ...answer };
        if (leaseEnd(existing) <= at) {
          // Same generation: the new owner finds whatever the crashed one wrote.
          const changes = {
            $set: { leaseUntil: fresh.leaseUntil, fingerprint, owner: new ObjectId() },
          };
          // Not renewed since it was read (else its owner is alive).
          const due = (current: DeliveryDoc) => leaseEnd(current) <= at;
          if (await takeOver(existing, at, windowMs, due, changes)) {
            return takenOver(existing, existing.presumed);
          }
          await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
    },

    /**
     * Renews the owner's lease while it works (every third of the lease), so that a retry
     * waits for its answer however slow the work is, instead of running the call a second
     * time. One renewal at a time: a tick while one is in flight is skipped, not queued (a
     * database slower than the interval would otherwise pile renewals up behind each call,
     * and every call wait for its own pile before it answers). The returned function stops
     * it; its promise settles when the renewal in flight, if any, has.
     */
    keepLease(key: string, claim: { generation: string }): () => Promise<void> {
      let renewal: Promise<void> | undefined;
      const renew = async () => {
        const leaseUntil = new Date((await clock.now()).getTime() + leaseMs);
        await deliveries.updateOne(
          { _id: key },
          { $set: { [`renewedUntil.${claim.generation}`]: leaseUntil } },
        );
      };
      const timer = setInterval(() => {
        renewal ??= renew()
          .catch(() => {})
          .finally(() => {
            renewal = undefined;
          });
      }, leaseMs / 3);
      return async () => {
        clearInterval(timer);
        await renewal;
      };
    },

    async complete(
      claim: { generation: string; expiresAt: Date },
      status: number,
      response: string,
    ): Promise<void> {
      try {
        await batches.insert(answerDocs, {
          _id: toObjectId(claim.generation),
          status,
          response,
          expiresAt: claim.expiresAt,
        });
      } catch (error) {
        // A retry that took over a crashed owner's generation found its answer already there.
        if (!isDuplicateKey(error)) throw error;
      }
    },

    /**
     * The owner failed part-way (e.g. the database went away): the sender's retry takes the
     * delivery over at once, with the same generation, and completes what was stored.
     */
    async abandon(key: string): Promise<void> {
      await deliveries.updateOne(
        { _id: key },
        { $set: { leaseUntil: new Date(0) }, $unset: { renewedUntil: "" } },
      );
    },

    /**
     * Forgets the oldest deliveries and answers that expired (an expired delivery is taken
     * over with a new generation anyway: forgetting it is safe). FerretDB scans the whole
     * collection for a filter on `expiresAt`, but reads just the first documents of a find
     * without filter or sort: those are the oldest in its (and MongoDB's) natural order. So
     * this reads pages from the front and deletes the expired ones by `_id` alone, until a
     * page has some that are still live: an expired one behind live ones of a longer window
     * waits for them, or for deleteAllExpired. The open-incident claims stored here (no
     * expiry) are read past (deleteOldestExpired). A delivery taken over between the read and
     * its delete (its key sent again just then) has a new expiry and stays (deleteStillExpired).
     * Returns how many deliveries went.
     */
    async deleteExpired(): Promise<number> {
      const now = await clock.now();
      const deleted = await deleteOldestExpired(deliveries, now);
      await deleteOldestExpired(answerDocs, now);
      await deleteOldestExpired(takeovers, now);
      return deleted;
    },

    /**
     * The same for every expired one (hourly): read by `expiresAt`, a scan of the collections on
     * FerretDB, then deleted by `_id` a page at a time (deleteEveryExpired); one taken over
     * meanwhile stays, as above.
     */
    async deleteAllExpired(): Promise<number> {
      const now = await clock.now();
      const deleted = await deleteEveryExpired(deliveries, now);
      await deleteEveryExpired(answerDocs, now);
      await deleteEveryExpired(takeovers, now);
      return deleted;
    },
  };
}

/** Documents read per page from the front of a collection (they are small). */
export const SWEEP_PAGE = 1_000;
/**
 * Documents without an expiry a sweep reads past at most: the open-incident claims stored in
 * `deliveries` (incidents.ts OpenClaimDoc), which stay as long as their incident is open.
 * Beyond it, the expired deliveries behind them wait for deleteAllExpired.
 */
const MAX_STEPPED_OVER = 10 * SWEEP_PAGE;

/**
 * Deletes the expired documents at the front of the collection, page after page, until a page
 * holds a live one. Documents without `expiresAt` (open-incident claims) are neither: the pages
 * come from one cursor (a find without filter or sort, which FerretDB reads from the front as it
 * is iterated, never a scan), so the claims at the front are read once a pass, at most
 * MAX_STEPPED_OVER of them; reading each page again from the front read them over and over (55,000
 * documents a pass once 10,000 claims were open).
 */
async function deleteOldestExpired<T extends { _id: string | ObjectId; expiresAt: Date }>(
  collection: Collection<T>,
  now: Date,
): Promise<number> {
  const cursor = collection
    .find<{ _id: T["_id"]; expiresAt?: Date }>({}, { projection: { _id: 1, expiresAt: 1 } })
    .batchSize(SWEEP_PAGE);
  let deleted = 0;
  let steppedOver = 0;
  try {
    for (;;) {
      const page = await nextPage(cursor);
      deleted += await deleteStillExpired(
        collection,
        page.filter((doc) => doc.expiresAt && doc.expiresAt <= now),
        now,
      );
      steppedOver += page.filter((doc) => doc.expiresAt === undefined).length;
      const live = page.some((doc) => doc.expiresAt && doc.expiresAt > now);
      if (live || page.length < SWEEP_PAGE || steppedOver >= MAX_STEPPED_OVER) return deleted;
    }
  } finally {
    await cursor.close();
  }
}

/**
 * Deletes every expired document: read by `expiresAt` (a scan on FerretDB, but only a read),
 * then deleted by `_id` a page at a time. One deleteMany by `expiresAt` held FerretDB's lock of
 * deletes and updates (ADR 0001) for its whole scan, and sent every match in one SQL statement,
 * which SQLite refuses beyond 32,766 (`too many SQL variables`): once 10,000 open incidents
 * stopped deleteExpired, an hour's expired deliveries went past that, and none went any more.
 */
async function deleteEveryExpired<T extends { _id: string | ObjectId; expiresAt: Date }>(
  collection: Collection<T>,
  now: Date,
): Promise<number> {
  const cursor = collection
    .find<{ _id: T["_id"] }>({ expiresAt: { $lte: now } } as Filter<T>, { projection: { _id: 1 } })
    .batchSize(SWEEP_PAGE);
  let deleted = 0;
  try {
    for (let page = await nextPage(cursor); page.length > 0; page = await nextPage(cursor)) {
      deleted += await deleteStillExpired(collection, page, now);
    }
  } finally {
    await cursor.close();
  }
  return deleted;
}

/**
 * Deletes the documents by `_id` that are still expired at `now`, a page in one command:
 * `_id: { $in }`, which the embedded FerretDB looks up through the `_id` index beside the
 * other condition (delete-batches.ts), as one statement. A delivery taken over between the
 * read and this delete has a later expiry by then, and stays.
 */
async function deleteStillExpired<T extends { _id: string | ObjectId; expiresAt: Date }>(
  collection: Collection<T>,
  docs: Array<{ _id: T["_id"] }>,
  now: Date,
): Promise<number> {
  if (docs.length === 0) return 0;
  const ids = docs.map(({ _id }) => _id);
  const filter = { _id: { $in: ids }, expiresAt: { $lte: now } } as Filter<T>;
  const { deletedCount } = await collection.deleteMany(filter);
  return deletedCount;
}

/** The cursor's next SWEEP_PAGE documents (fewer at its end). */
async function nextPage<D>(cursor: FindCursor<D>): Promise<D[]> {
  const page: D[] = [];
  while (page.length < SWEEP_PAGE) {
    const doc = await cursor.next();
    if (doc === null) break;
    page.push(doc);
  }
  return page;
}
