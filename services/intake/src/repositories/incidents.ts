import { createHash } from "node:crypto";
import { type IncidentStatus, OPEN_STATUSES, payloadText } from "@sqibs/domain";
import { type Db, type Filter, ObjectId } from "mongodb";
import { TtlCache } from "./cache.js";
import { isDuplicateKey } from "./database.js";
import type { DatabaseClock } from "./database-clock.js";
import { DELIVERIES } from "./deliveries.js";
import type {
  IncidentDoc,
  IncidentEventDoc,
  IncidentEventFields,
  PayloadApartDoc,
} from "./documents.js";
import type {
  Incident,
  IncidentEvent,
  IncidentListing,
  StoredIncident,
  StoredPayload,
} from "./entities.js";
import { bytesOf, hex, inAccount, optional, toBinary, toObjectId } from "./ids.js";
import { incidentNumbers } from "./incident-numbers.js";
import type { InsertBatches } from "./insert-batches.js";
import { compressedIfSmaller, decodedBytes, type EncodedBytes } from "./payload-bytes.js";

/**
 * At most one open incident per (service, correlation value). FerretDB has no partial unique
 * indexes or transactions, and its updates are not atomic under concurrency, so every
 * decision that concurrent calls race for is an insert keyed by _id: the open-incident claim,
 * the per-account number, and each lifecycle transition (its event).
 *
 * Stored in `deliveries` (OPEN_CLAIMS), beside the delivery claims: a call sends its open
 * claims in the same tick as its delivery's claim, and the batches send both in one unordered
 * `insertMany` (one command, one transaction on FerretDB), each document refused on its own.
 * Without `expiresAt`: neither sweep of expired deliveries deletes one (deliveries.ts).
 */
export interface OpenClaimDoc {
  /** `<service>:<sha256 of the value>` (claimKey): never a delivery's key (64 hex digits). */
  _id: string;
  incidentId: ObjectId;
  /** Database time (database-clock.ts): another instance compares it with its own reading. */
  createdAt: Date;
}

/**
 * When an open incident with an auto-resolve time is next due to be looked at: one entry per
 * event that restarts its quiet period, `_id: "<incident>:<dueAt ms>"`. Inserted (never
 * updated) beside the event, scanned by the sweeper by `dueAt`, deleted once looked at; the
 * incident document itself is only ever changed by a lifecycle transition (ADR 0001, 0002).
 */
interface AutoResolveDueDoc {
  _id: string;
  incidentId: ObjectId;
  accountId: ObjectId;
  dueAt: Date;
}

type Scheduled = Pick<IncidentDoc, "_id" | "accountId" | "autoResolveAfterSeconds">;

/** One-time upgrade steps that are done, by name. */
interface MigrationDoc {
  _id: string;
  doneAt: Date;
}

export interface NewIncident
  extends Omit<
    StoredIncident,
    "id" | "number" | "acknowledgedAt" | "resolvedAt" | "status" | "description"
  > {
  status: "triggered";
  /** Absent: the description is the whole payload's text (stored once, as the payload). */
  description?: string;
  /** The delivery that opens it: a retried delivery finds it instead of opening another. */
  deliveryId: string;
}

/**
 * An incident as an ingest answer names it: without its description and payload, with its
 * version (how many lifecycle transitions it went through).
 */
export type IncidentHead = Omit<StoredIncident, "description" | "payload"> & { version: number };

/** A duplicate trigger added to an open incident: the event's key and time, as first stored. */
export interface AddedEvent {
  key: string;
  at: Date;
}

/**
 * The incident a trigger opens if it opens one, its id chosen before anything is written, and
 * whether the open-incident claim for it was already sent (claimOpen): true, won; false, lost.
 */
export interface Opening {
  id: string;
  claimed?: boolean;
  /** Its documents as they will be stored, when built ahead (prepareIncidents). */
  prepared?: PreparedIncident;
  /**
   * What an earlier attempt of its delivery may have stored under its `deliveryId`, when the
   * call knows: `null`, nothing (a new delivery: a generation the call created), or the id of
   * the incident that attempt chose (a retry that took the delivery over from the attempt that
   * created it: the answer it presumed names its incidents; null when it opened none for this
   * service). A duplicate key is then another instance's number unless that incident is
   * stored, read by `_id`; the delivery is not looked up (FerretDB reads every incident of the
   * account for it). Absent: not known (an owner that presumed nothing was taken over).
   */
  earlierId?: string | null;
}

/**
 * A new incident's documents (its payload compressed or not), built before its claims are
 * answered: openOrAppend stores them when it is given the same `input` and `event`.
 */
export interface PreparedIncident {
  input: NewIncident;
  event: IncidentEvent;
  docs: NewDocs;
}

export type OpenOutcome =
  | { action: "created"; incident: IncidentHead }
  | { action: "duplicate"; incident: IncidentHead; added: AddedEvent };

/**
 * Called once a lifecycle transition is claimed and before the incident shows it (also when a
 * transition left behind by a crash is rolled forward): with the incident as it is after it,
 * and the transition's event. Outgoing webhooks store their event here (usecases/outbox.ts).
 */
export type TransitionHook = (change: {
  incident: IncidentHead;
  event: IncidentEvent;
}) => Promise<void>;

/** Where an event stands in an incident's history (newest first: by time, then id). */
export interface EventPosition {
  at: Date;
  id: string;
}

export interface EventPage {
  items: IncidentEvent[];
  /** The last item's position, when more follow. */
  next?: EventPosition;
}

export interface IncidentListQuery {
  accountId: string;
  status?: IncidentStatus;
  serviceId?: string;
  source?: string;
  before?: string;
  limit: number;
}

/**
 * Payloads larger than this are stored apart from their incident (PayloadApartDoc). The
 * smaller ones, nearly all, stay inside it: one insert, one read.
 */
export const PAYLOAD_APART_BYTES = 64 * 1024;
/** A claim whose incident never appeared (its writer died) is taken over after this. */
export const DEFAULT_ORPHAN_CLAIM_MS = 10_000;
const WAIT_STEP_MS = 25;
/** Number collisions in a row of one opening after which it reads the highest stored number. */
const COLLISIONS_BEFORE_SCAN = 4;
/** The events an incident's view carries (the latest); the rest are paged. */
export const LATEST_EVENTS = 20;
const OPEN = [...OPEN_STATUSES];
/**
 * Open incidents this instance opened or read through their claim, by claim, kept without
 * description and payload: a duplicate or a resolve of one skips reading the claim and the
 * incident. An entry may be stale (another instance changed the incident since); it is only
 * a starting point: the version it names is claimed with an insert, or its claims since are
 * read, and either fails or finds the change (then the claim is read again). About 1.7 KB an
 * entry (its ids are driver objects): 1,024 entries hold under 2 MB.
 */
const KNOWN_OPEN_ENTRIES = 1_024;
const KNOWN_OPEN_TTL_MS = 10 * 60_000;
/** An incident read for its lifecycle only: its head. */
const WITHOUT_BODIES = { projection: { payload: 0, description: 0 } };
const SCHEDULE_BACKFILL = "auto-resolve-schedule";
const CLAIMS_BACKFILL = "open-incident-claims";
/** Where the open-incident claims live (OpenClaimDoc); releases before it: `open_incidents`. */
export const OPEN_CLAIMS = DELIVERIES;

export function incidentsRepository(
  db: Db,
  batches: InsertBatches,
  clock: DatabaseClock,
  orphanClaimMs = DEFAULT_ORPHAN_CLAIM_MS,
) {
  const incidents = db.collection<IncidentDoc>("incidents");
  const events = db.collection<IncidentEventDoc>("incident_events");
  const claims = db.collection<OpenClaimDoc>(OPEN_CLAIMS);
  const due = db.collection<AutoResolveDueDoc>("auto_resolve_due");
  const migrations = db.collection<MigrationDoc>("migrations");
  const payloads = db.collection<PayloadApartDoc>("incident_payloads");

  const numbers = incidentNumbers(db, incidents);
  const knownOpen = new TtlCache<IncidentDoc>(KNOWN_OPEN_TTL_MS, KNOWN_OPEN_ENTRIES);
  let backfilled: Promise<void> | undefined;
  let claimsBackfill: Promise<void> | undefined;
  let claimsBackfilled = false;

  /** Inserts an event once: a retried write with the same _id is a no-op. */
  async function insertEvent(
    incidentId: ObjectId,
    id: string,
    event: IncidentEventFields & { status?: IncidentStatus },
  ): Promise<boolean> {
    return insertOnce(() => batches.insert(events, { _id: id, incidentId, ...event }));
  }

  /** The sweeper looks at the incident again once it has been quiet since `quietSince`. */
  async function scheduleAutoResolve(incident: Scheduled, quietSince: Date): Promise<void> {
    if (!incident.autoResolveAfterSeconds) return;
    await scheduleAt(incident, quietSince.getTime() + incident.autoResolveAfterSeconds * 1000);
  }

  async function scheduleAt(incident: Scheduled, dueAtMs: number): Promise<void> {
    const dueAt = new Date(dueAtMs);
    await insertOnce(() =>
      batches.insert(due, {
        _id: `${hex(incident._id)}:${dueAt.getTime()}`,
        incidentId: incident._id,
        accountId: incident.accountId,
        dueAt,
      }),
    );
  }

  /**
   * Inserts once per delivery, with its opening event inside (one write): a retry of a
   * delivery that was stored gets the stored incident; a number taken by another instance
   * is skipped. A payload stored apart is written first, under the delivery's id, so an
   * incident never names a payload that is not there, and a retry writes it once.
   */
  async function insertNew(
    id: ObjectId,
    { input, apart }: NewDocs,
    earlierId: Opening["earlierId"],
  ) {
    if (apart) await insertOnce(() => batches.insert(payloads, apart));
    for (let attempt = 1; ; attempt += 1) {
      const doc: IncidentDoc = {
        _id: id,
        ...input,
        number: await numbers.next(input.accountId),
        version: 0,
      };
      let stored: IncidentDoc | null = doc;
      try {
        await batches.insert(incidents, doc);
        numbers.stored(doc.accountId, doc.number);
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const scan = attempt >= COLLISIONS_BEFORE_SCAN;
        const taken = await numbers.skipTaken(input.accountId, scan);
        // FerretDB names no index in a duplicate key error. When the call knows what an earlier
        // attempt stored, it is a number taken unless that incident is there, or every stored
        // number is below its own (another owner of the delivery, after a takeover this call
        // does not know of, stored its incident meanwhile).
        const byDelivery = earlierId === undefined || (scan && taken < doc.number);
        if (byDelivery) stored = await storedBefore(id, input);
        else if (earlierId === null) stored = null;
        else stored = await incidents.findOne({ _id: toObjectId(earlierId) });
      }
      if (stored) {
        // Also on a retry: the first attempt may have died before it scheduled.
        await scheduleAutoResolve(stored, stored.createdAt);
        return stored;
      }
    }
  }

  /**
   * The incident an earlier attempt of the delivery stored: by the `_id` chosen for it, else by
   * the delivery (a retry chooses another `_id`; FerretDB reads every incident of the account).
   */
  async function storedBefore(id: ObjectId, input: NewDocs["input"]) {
    return (
      (await incidents.findOne({ _id: id })) ??
      (await incidents.findOne({ accountId: input.accountId, deliveryId: input.deliveryId }))
    );
  }

  /**
   * The incident with its event count and latest events (oldest first): an incident that
   * repeats for weeks is still read in two small queries. The rest are paged (eventsPage).
   */
  async function withEvents(incident: IncidentDoc): Promise<Incident> {
    const [stored, latest] = await Promise.all([
      events.countDocuments({ incidentId: incident._id }),
      events
        .find({ incidentId: incident._id })
        .sort({ at: -1, _id: -1 })
        .limit(LATEST_EVENTS)
        .toArray(),
    ]);
    const lastEventAt = latest[0]?.at ?? incident.createdAt;
    const shown = latest.reverse().map(toEvent);
    // The opening event is in the incident itself, and the oldest of all.
    if (stored < LATEST_EVENTS) shown.unshift(openingEvent(incident));
    const payload = await payloadOf(incident);
    return {
      ...toStoredIncident(incident, payload),
      events: shown,
      eventCount: stored + 1,
      lastEventAt,
    };
  }

  async function payloadOf(incident: IncidentDoc): Promise<StoredPayload> {
    const { contentType } = incident.payload;
    if ("body" in incident.payload) return { contentType, body: receivedBody(incident.payload) };
    const apart = await payloads.findOne({ _id: incident.deliveryId });
    return { contentType, body: apart ? receivedBody(apart) : new Uint8Array(0) };
  }

  /**
   * Files a duplicate trigger on an open incident, unless that incident is being resolved at
   * this very moment. A resolve claims its version with an event (status "resolved") before
   * the incident document says so, and the claim on the correlation value goes only after
   * that: so the resolve event is looked for after the duplicate is inserted. Found, the
   * duplicate is taken back, the resolve rolled forward (which releases the claim) and false
   * returned: the trigger then opens a new incident, never lands on a resolved one. Filed,
   * the event as it is stored (a retried delivery's first attempt may have stored it).
   */
  async function appendDuplicate(
    existing: IncidentDoc,
    deliveryId: string,
    event: IncidentEvent,
    announce: TransitionHook,
  ): Promise<{ incident: IncidentDoc; added: AddedEvent } | undefined> {
    const appended = { ...toEventFields(event), type: "duplicate" as const };
    const inserted = await insertEvent(existing._id, deliveryId, appended);
    const incident = await claimedSince(existing);
    if (incident) {
      await scheduleAutoResolve(incident, event.at);
      if (inserted) return { incident, added: { key: deliveryId, at: appended.at } };
      const stored = await events.findOne({ _id: deliveryId });
      const at = stored?.incidentId.equals(existing._id) ? stored.at : event.at;
      return { incident, added: { key: deliveryId, at } };
    }
    await events.deleteOne({ _id: deliveryId, incidentId: existing._id });
    await rolledForward({ _id: existing._id, accountId: existing.accountId }, announce);
    return undefined;
  }

  /**
   * The incident with the transitions claimed after the version it was read at; undefined
   * when one of them is a resolve. Version claims follow one another (v<n+1> is claimed only
   * once v<n> is applied), so they are read by `_id` one after another until one is missing:
   * FerretDB looks up nothing but a lone `_id` without reading the whole collection.
   */
  async function claimedSince(incident: IncidentDoc): Promise<IncidentDoc | undefined> {
    for (let current = incident; ; ) {
      const claim = await events.findOne(
        { _id: versionClaim(current) },
        { projection: { status: 1, at: 1 } },
      );
      if (!claim) return current;
      if (claim.status === "resolved") return undefined;
      current = { ...current, ...transitionFields(current, claim) };
    }
  }

  /**
   * Files a duplicate trigger on the open incident `existing` the claim named (a retried
   * delivery whose first attempt opened it adds nothing); undefined when it was being
   * resolved: the caller reads the claim again.
   */
  async function duplicateOf(
    existing: IncidentDoc,
    input: NewIncident,
    event: IncidentEvent,
    announce: TransitionHook,
  ): Promise<OpenOutcome | undefined> {
    if (existing.deliveryId === input.deliveryId) {
      return { action: "created", incident: toHead(existing) };
    }
    const appended = await appendDuplicate(existing, input.deliveryId, event, announce);
    if (!appended) return undefined;
    return { action: "duplicate", incident: toHead(appended.incident), added: appended.added };
  }

  /**
   * Count and latest time of the events stored apart from each incident (its opening event is
   * in the incident itself): one aggregation, then one indexed read for each incident that has
   * any (FerretDB's $group has no $max), so a page of quiet incidents costs one query.
   */
  async function eventStats(ids: ObjectId[]): Promise<Map<string, { count: number; last?: Date }>> {
    const counts = await events
      .aggregate<{ _id: ObjectId; count: number }>([
        { $match: { incidentId: { $in: ids } } },
        { $group: { _id: "$incidentId", count: { $sum: 1 } } },
      ])
      .toArray();
    const stats = new Map<string, { count: number; last?: Date }>();
    await Promise.all(
      counts.map(async ({ _id: incidentId, count }) => {
        const last = await latestEventAt(incidentId);
        stats.set(hex(incidentId), last ? { count, last } : { count });
      }),
    );
    return stats;
  }

  async function latestEventAt(incidentId: ObjectId): Promise<Date | undefined> {
    const latest = await events.findOne(
      { incidentId },
      { sort: { at: -1 }, projection: { at: 1 } },
    );
    return latest?.at;
  }

  /** Inserts the open-incident claim for `incidentId`: false when another incident holds it. */
  async function tryClaim(claimId: string, incidentId: ObjectId): Promise<boolean> {
    const createdAt = await clock.now();
    return insertOnce(() => batches.insert(claims, { _id: claimId, incidentId, createdAt }));
  }

  /**
   * The incident a claim names, read by its `_id` alone (FerretDB reads the whole collection
   * for any other filter): null when it is not stored, or not the account's.
   */
  async function claimedIncident(
    claim: OpenClaimDoc,
    accountId: ObjectId,
  ): Promise<IncidentDoc | null> {
    const incident = await incidents.findOne({ _id: claim.incidentId }, WITHOUT_BODIES);
    return incident?.accountId.equals(accountId) ? incident : null;
  }

  async function releaseClaim(incident: IncidentDoc): Promise<void> {
    if (incident.correlationKey === undefined) return;
    const claimId = claimKey(incident.serviceId, incident.correlationKey);
    knownOpen.forget(claimId);
    await claims.deleteOne({ _id: claimId, incidentId: incident._id });
  }

  /** Remembers the open incident a claim names (knownOpen), without description and payload. */
  function rememberOpen(claimId: string, incident: IncidentDoc): void {
    const { payload: _payload, description: _description, ...head } = incident;
    knownOpen.set(claimId, head as IncidentDoc);
  }

  /** The open incident remembered for the claim, when it is the account's. */
  function knownOpenOf(claimId: string, accountId: ObjectId): IncidentDoc | undefined {
    const known = knownOpen.get(claimId);
    return known?.accountId.equals(accountId) && OPEN.includes(known.status) ? known : undefined;
  }

  /**
   * Applies a lifecycle change once: the event "<id>:v<n+1>" is the claim on version n+1.
   * Whoever inserts it applies it; an incident left behind by a crash is rolled forward.
   * Every filter carries the account, the collection's shard key (ADR 0002), except a
   * resolve's: by `_id` alone, `applies` then checks the incident is the one meant.
   *
   * The first turn reads the incident alone and sends the claim without looking for one left
   * behind (one round trip less): a claim left behind has the same `_id`, so the insert finds
   * it. Only then, or when the incident as read does not allow the change (a claim left
   * behind may change it), are the claims so far looked for and applied (rolledForward).
   */
  async function transition(
    filter: Filter<IncidentDoc>,
    from: readonly IncidentStatus[],
    to: IncidentStatus,
    event: IncidentEventFields,
    announce: TransitionHook,
    options: {
      applies?: (incident: IncidentDoc) => boolean;
      /** The incident as last known (knownOpen): the first turn reads nothing. */
      known?: IncidentDoc;
      /** Read without description and payload: the caller wants the head only. */
      headOnly?: boolean;
    } = {},
  ): Promise<IncidentDoc | null> {
    const { applies = () => true, known, headOnly = false } = options;
    let rollForward = false;
    for (;;) {
      const current = rollForward
        ? await rolledForward(filter, announce, headOnly)
        : (known ?? (await incidents.findOne(filter, headOnly ? WITHOUT_BODIES : {})));
      if (!current) return null;
      const allowed = applies(current) && from.includes(current.status);
      if (allowed) {
        const claimed = { ...event, status: to };
        if (await insertEvent(current._id, versionClaim(current), claimed)) {
          return applyTransition(current, claimed, announce);
        }
      } else if (rollForward) {
        return null;
      }
      rollForward = true;
    }
  }

  /**
   * The incident the filter names, with every transition claimed so far applied: one left
   * behind by a crash between its claim and its update, or one in progress right now.
   */
  async function rolledForward(
    filter: Filter<IncidentDoc>,
    announce: TransitionHook,
    headOnly = false,
  ): Promise<IncidentDoc | null> {
    for (;;) {
      const current = await incidents.findOne(filter, headOnly ? WITHOUT_BODIES : {});
      if (!current) return null;
      // By the `_id` alone (it names the incident): FerretDB scans for any other filter.
      const pending = await events.findOne({ _id: versionClaim(current) });
      if (!pending) return current;
      await applyTransition(current, pending, announce);
    }
  }

  /** Announces the claimed transition, then applies it to the incident document. */
  async function applyTransition(
    current: IncidentDoc,
    event: IncidentEventFields & { status?: IncidentStatus },
    announce: TransitionHook,
  ): Promise<IncidentDoc> {
    const set = transitionFields(current, event);
    const updated: IncidentDoc = { ...current, ...set };
    await announce({ incident: toHead(updated), event: toEvent(event) });
    await incidents.updateOne(
      { _id: current._id, accountId: current.accountId, version: current.version },
      { $set: set },
    );
    if (set.status === "resolved") await releaseClaim(updated);
    else if (updated.correlationKey !== undefined) {
      // Read again by the next duplicate or resolve (it may have been remembered at v<n>).
      knownOpen.forget(claimKey(updated.serviceId, updated.correlationKey));
    }
    return updated;
  }

  /**
   * Open incidents stored before the auto-resolve schedule existed get their first entry,
   * once per database (a scan of the open incidents, in the background, the first time).
   */
  function backfillSchedule(): Promise<void> {
    backfilled ??= (async () => {
      if (await migrations.findOne({ _id: SCHEDULE_BACKFILL })) return;
      const open = incidents.find(
        { status: { $in: OPEN }, autoResolveAfterSeconds: { $gt: 0 } },
        { projection: { _id: 1, accountId: 1, createdAt: 1, autoResolveAfterSeconds: 1 } },
      );
      for await (const incident of open) await scheduleAutoResolve(incident, incident.createdAt);
      await insertOnce(() =>
        migrations.insertOne({ _id: SCHEDULE_BACKFILL, doneAt: new Date() }).then(() => {}),
      );
    })().catch((error: unknown) => {
      backfilled = undefined;
      throw error;
    });
    return backfilled;
  }

  /**
   * Open incidents stored without their open-incident claim get it, once per database (a
   * scan of the open incidents, in the background, started with the service: on a new
   * database it finds none). Every release claimed before it stored; the claim of a writer
   * slower than the orphan time can have been taken over, though, and a resolve finds its
   * incident through the claim only.
   */
  function backfillClaims(): Promise<void> {
    claimsBackfill ??= (async () => {
      if (!(await migrations.findOne({ _id: CLAIMS_BACKFILL }))) {
        const open = incidents.find(
          { status: { $in: OPEN }, correlationKey: { $exists: true } },
          { projection: { _id: 1, serviceId: 1, correlationKey: 1 } },
        );
        for await (const incident of open) await claimUnclaimed(incident);
        await insertOnce(() =>
          migrations.insertOne({ _id: CLAIMS_BACKFILL, doneAt: new Date() }).then(() => {}),
        );
      }
      claimsBackfilled = true;
    })().catch((error: unknown) => {
      claimsBackfill = undefined;
      throw error;
    });
    return claimsBackfill;
  }

  /** Whether every open incident has its claim; if not yet, the backfill is started. */
  async function claimsComplete(): Promise<boolean> {
    if (claimsBackfilled) return true;
    if (await migrations.findOne({ _id: CLAIMS_BACKFILL })) claimsBackfilled = true;
    else backfillClaims().catch(() => {}); // the sweeper tries again
    return claimsBackfilled;
  }

  /** Claims an open incident stored without its claim, unless another open one holds it. */
  async function claimUnclaimed(
    incident: Pick<IncidentDoc, "_id" | "serviceId" | "correlationKey">,
  ): Promise<void> {
    if (incident.correlationKey === undefined) return;
    const claimId = claimKey(incident.serviceId, incident.correlationKey);
    // Nearly every open incident has its claim: one read by `_id` each.
    for (;;) {
      const claim = await claims.findOne({ _id: claimId });
      if (!claim) {
        if (await tryClaim(claimId, incident._id)) return;
        continue;
      }
      if (claim.incidentId.equals(incident._id)) return;
      const holder = await incidents.findOne(
        { _id: claim.incidentId },
        { projection: { status: 1 } },
      );
      // An open incident keeps its claim, as does one being stored (or an orphan: openOrAppend
      // takes it over); a resolved incident's claim is a leftover of a crash.
      if (holder?.status !== "resolved") return;
      await claims.deleteOne({ _id: claimId, incidentId: claim.incidentId });
    }
  }

  /**
   * Looks at one due entry: resolves the incident when it got no event for its auto-resolve
   * time, else schedules the next look (at its last event plus that time).
   */
  async function lookAt(
    entry: AutoResolveDueDoc,
    now: Date,
    actor: string,
    announce: TransitionHook,
  ): Promise<boolean> {
    const incident = await incidents.findOne(
      { _id: entry.incidentId, accountId: entry.accountId },
      { projection: { payload: 0, description: 0 } },
    );
    let resolved = false;
    if (incident && OPEN.includes(incident.status) && incident.autoResolveAfterSeconds) {
      // The opening event is the incident itself; the others are stored apart.
      const quietSince = (await latestEventAt(incident._id)) ?? incident.createdAt;
      const dueAt = quietSince.getTime() + incident.autoResolveAfterSeconds * 1000;
      if (dueAt <= now.getTime()) {
        const done = await transition(
          { _id: incident._id, accountId: incident.accountId, version: incident.version },
          OPEN,
          "resolved",
          { at: now, type: "resolved", actor },
          announce,
        );
        resolved = done !== null;
        // Changed meanwhile (acknowledged, or another sweeper): look again at the next pass.
        if (!done) await scheduleAt(incident, now.getTime() + 1);
      } else {
        await scheduleAutoResolve(incident, quietSince);
      }
    }
    await due.deleteOne({ _id: entry._id });
    return resolved;
  }

  return {
    /** Writes where numbering stands (incident-numbers.ts), so that a restart continues there. */
    flushNumberHints: () => numbers.flush(),

    /**
     * Opens an incident, or adds the event to the open one with the same correlation value.
     * With an `opening`, the incident it opens has that id, and the claim already sent for it
     * (claimOpen) is not sent again.
     */
    async openOrAppend(
      input: NewIncident,
      event: IncidentEvent,
      announce: TransitionHook,
      opening?: Opening,
    ): Promise<OpenOutcome> {
      const id = opening ? toObjectId(opening.id) : new ObjectId();
      const accountId = toObjectId(input.accountId);
      const { prepared } = opening ?? {};
      const doc =
        prepared?.input === input && prepared.event === event
          ? prepared.docs
          : toNewDocs(input, event);
      const earlierId = opening?.earlierId;
      if (input.correlationKey === undefined) {
        return { action: "created", incident: toHead(await insertNew(id, doc, earlierId)) };
      }
      const claimId = claimKey(doc.input.serviceId, input.correlationKey);
      let claimed = opening?.claimed;
      for (;;) {
        if (claimed ?? (await tryClaim(claimId, id))) {
          const stored = await insertNew(id, doc, earlierId);
          if (stored._id.equals(id)) rememberOpen(claimId, stored);
          return { action: "created", incident: toHead(stored) };
        }
        claimed = undefined;
        const known = knownOpenOf(claimId, accountId);
        if (known) {
          const outcome = await duplicateOf(known, input, event, announce);
          if (outcome) return outcome;
          knownOpen.forget(claimId); // It was resolved: the claim is read again.
          continue;
        }
        const claim = await claims.findOne({ _id: claimId });
        if (!claim) continue;
        const existing = await claimedIncident(claim, accountId);
        if (existing && existing.status !== "resolved") {
          rememberOpen(claimId, existing);
          const outcome = await duplicateOf(existing, input, event, announce);
          if (outcome) return outcome;
          knownOpen.forget(claimId);
          continue; // It was being resolved: the next turn opens a new incident.
        }
        // Both times are the database's: no instance's clock is compared with another's.
        const age = (await clock.now()).getTime() - claim.createdAt.getTime();
        const orphaned = !existing && age > orphanClaimMs;
        if (existing || orphaned) {
          await claims.deleteOne({ _id: claimId, incidentId: claim.incidentId });
          continue;
        }
        // The winner holds the claim but has not inserted its incident yet.
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
    },

    /**
     * New incidents' documents as openOrAppend stores them (a payload compressed when that
     * halves it, once for incidents of the same bytes), for their Openings: the work that
     * needs no answer from the database, done ahead.
     */
    prepareIncidents(
      planned: Array<{ input: NewIncident; event: IncidentEvent }>,
    ): PreparedIncident[] {
      const encoded = new Map<Uint8Array, EncodedBytes>();
      return planned.map(({ input, event }) => {
        const { body } = input.payload;
        const stored = encoded.get(body) ?? compressedIfSmaller(body);
        encoded.set(body, stored);
        return { input, event, docs: toNewDocs(input, event, stored) };
      });
    },

    /**
     * Claims the open incident of the service's correlation value for the incident `incidentId`
     * before it is stored (openOrAppend then stores it): false when another incident holds it.
     */
    claimOpen(serviceId: string, correlationKey: string, incidentId: string): Promise<boolean> {
      return tryClaim(claimKey(toObjectId(serviceId), correlationKey), toObjectId(incidentId));
    },

    /** Gives back a claim of claimOpen whose incident will not be opened (the call ran before). */
    async releaseOpen(serviceId: string, correlationKey: string, incidentId: string) {
      await claims.deleteOne({
        _id: claimKey(toObjectId(serviceId), correlationKey),
        incidentId: toObjectId(incidentId),
      });
    },

    /**
     * The number of the account's incident `id`; null while it is not stored. Read at the
     * majority level: a replay answers from it, so on a replica set it must not see an
     * insert that a failover could still roll back (FerretDB ignores the level).
     */
    async numberOf(accountId: string, id: string): Promise<number | null> {
      const filter = inAccount(accountId, id);
      const stored = filter
        ? await incidents.findOne(filter, {
            projection: { number: 1 },
            readConcern: { level: "majority" },
          })
        : null;
      return stored ? stored.number : null;
    },

    /** Gives open incidents stored without their claim the claim (once per database). */
    backfillClaims,

    /**
     * Resolves the open incident of the service with this correlation value, if any: the one
     * its open-incident claim names, read by `_id` (the claim, then the incident), so a
     * resolve reads no more as incidents pile up. A claim whose incident is not stored (its
     * writer died, or is storing it now) or is resolved already resolves nothing.
     */
    async resolveOpen(
      accountId: string,
      serviceId: string,
      correlationKey: string,
      event: IncidentEvent,
      announce: TransitionHook,
    ): Promise<IncidentHead | null> {
      const account = toObjectId(accountId);
      const service = toObjectId(serviceId);
      const fields = toEventFields(event);
      const claimId = claimKey(service, correlationKey);
      const claimed = (incident: IncidentDoc) =>
        incident.accountId.equals(account) &&
        incident.serviceId.equals(service) &&
        incident.correlationKey === correlationKey;
      const resolveClaimed = (incidentId: ObjectId, known?: IncidentDoc) =>
        transition({ _id: incidentId }, OPEN, "resolved", fields, announce, {
          applies: claimed,
          headOnly: true,
          ...(known ? { known } : {}),
        });
      const known = knownOpenOf(claimId, account);
      let resolved = known ? await resolveClaimed(known._id, known) : null;
      if (!resolved) {
        // Not remembered, or resolved since it was: the claim says which incident is open.
        knownOpen.forget(claimId);
        const claim = await claims.findOne({ _id: claimId });
        resolved = claim ? await resolveClaimed(claim.incidentId) : null;
      }
      if (!resolved && !(await claimsComplete())) {
        // Until the backfill is done, an open incident may have no claim: looked for by a scan.
        resolved = await transition(
          { accountId: account, serviceId: service, correlationKey, status: { $in: OPEN } },
          OPEN,
          "resolved",
          fields,
          announce,
        );
      }
      return resolved ? toHead(resolved) : null;
    },

    /** Moves an incident between lifecycle states; null when the transition does not apply. */
    async transition(
      accountId: string,
      id: string,
      from: readonly IncidentStatus[],
      to: IncidentStatus,
      event: IncidentEvent,
      announce: TransitionHook,
    ): Promise<Incident | null> {
      const filter = inAccount(accountId, id);
      const updated = filter
        ? await transition(filter, from, to, toEventFields(event), announce)
        : null;
      return updated ? withEvents(updated) : null;
    },

    /**
     * One page of an incident's events, newest first, after `after` (a position a previous
     * page handed out, or any other: every position names a place in the order). The event
     * that opened the incident, kept in the incident itself, ends the last page. Null when
     * the incident is not in the account.
     */
    async eventsPage(
      accountId: string,
      id: string,
      after: EventPosition | undefined,
      limit: number,
    ): Promise<EventPage | null> {
      const filter = inAccount(accountId, id);
      const incident = filter
        ? await incidents.findOne(filter, { projection: { createdAt: 1, openedBy: 1 } })
        : null;
      if (!incident) return null;
      const query: Filter<IncidentEventDoc> = { incidentId: incident._id };
      if (after) query.$or = [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }];
      const stored = await events
        .find(query)
        .sort({ at: -1, _id: -1 })
        .limit(limit + 1)
        .toArray();
      const rows: Array<{ event: IncidentEvent; position?: EventPosition }> = stored.map((doc) => ({
        event: toEvent(doc),
        position: { at: doc.at, id: doc._id },
      }));
      if (stored.length <= limit) rows.push({ event: openingEvent(incident as IncidentDoc) });
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? page.at(-1)?.position : undefined;
      return { items: page.map((row) => row.event), ...(next ? { next } : {}) };
    },

    /** How many events the incident has (its opening included), and the latest one's time. */
    async eventCountOf(incident: IncidentHead): Promise<{ count: number; lastAt: Date }> {
      const _id = toObjectId(incident.id);
      const stats = (await eventStats([_id])).get(incident.id);
      return { count: (stats?.count ?? 0) + 1, lastAt: stats?.last ?? incident.createdAt };
    },

    /** The account's incident `id` without its description and payload; null if not stored. */
    async headOf(accountId: string, id: string): Promise<IncidentHead | null> {
      const filter = inAccount(accountId, id);
      const stored = filter
        ? await incidents.findOne(filter, { projection: { description: 0, payload: 0 } })
        : null;
      return stored ? toHead(stored) : null;
    },

    async findInAccount(accountId: string, id: string): Promise<Incident | null> {
      const filter = inAccount(accountId, id);
      const incident = filter ? await incidents.findOne(filter) : null;
      return incident ? withEvents(incident) : null;
    },

    /**
     * Resolves the open incidents whose auto-resolve time passed without an event: reads the
     * entries due by `now` (indexed by dueAt), never the open incidents themselves.
     */
    async autoResolveDue(
      now: Date,
      actor: string,
      batch: number,
      announce: TransitionHook,
    ): Promise<number> {
      await backfillSchedule();
      await backfillClaims();
      let resolved = 0;
      for (;;) {
        const entries = await due
          .find({ dueAt: { $lte: now } })
          .sort({ dueAt: 1 })
          .limit(batch)
          .toArray();
        for (const entry of entries) {
          if (await lookAt(entry, now, actor, announce)) resolved += 1;
        }
        if (entries.length < batch) return resolved;
      }
    },

    /** Newest first; paging by id keeps pages stable while new incidents arrive. */
    async listPage(query: IncidentListQuery): Promise<IncidentListing[]> {
      const filter: Filter<IncidentDoc> = { accountId: toObjectId(query.accountId) };
      if (query.status) filter.status = query.status;
      if (query.serviceId) filter.serviceId = toObjectId(query.serviceId);
      if (query.source !== undefined) filter.source = query.source;
      if (query.before) filter._id = { $lt: toObjectId(query.before) };
      const page = await incidents
        .find(filter, { projection: { description: 0, payload: 0 } })
        .sort({ _id: -1 })
        .limit(query.limit)
        .toArray();
      const stats = await eventStats(page.map((incident) => incident._id));
      return page.map((incident) => {
        const stat = stats.get(hex(incident._id));
        return {
          ...toHead(incident),
          eventCount: (stat?.count ?? 0) + 1,
          lastEventAt: stat?.last ?? incident.createdAt,
        };
      });
    },
  };
}

/** A duplicate key means somebody else inserted that _id first: done either way. */
async function insertOnce(insert: () => Promise<void>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

/** A new incident's document, and its payload's when that is stored apart. */
export interface NewDocs {
  input: Omit<IncidentDoc, "_id" | "number" | "version">;
  apart?: PayloadApartDoc;
}

/**
 * The payload is compressed when that halves it (payload-bytes.ts), inside its incident too:
 * FerretDB evaluates each of the incidents' indexes over the whole document, so the bytes of a
 * payload kept inside cost the insert once per index. `stored`: its bytes as stored, when
 * already encoded.
 */
function toNewDocs(
  input: NewIncident,
  event: IncidentEvent,
  stored: EncodedBytes = compressedIfSmaller(input.payload.body),
): NewDocs {
  const { accountId, serviceId, payload, ...fields } = input;
  const { contentType, body } = payload;
  const { bytes, encoding } = stored;
  const apart = body.byteLength > PAYLOAD_APART_BYTES;
  const doc = {
    ...fields,
    accountId: toObjectId(accountId),
    serviceId: toObjectId(serviceId),
    payload: apart
      ? { contentType, apart: true as const }
      : { contentType, body: toBinary(bytes), ...(encoding ? { encoding } : {}) },
    openedBy: { actor: event.actor, ...(event.callId ? { callId: toObjectId(event.callId) } : {}) },
  };
  if (!apart) return { input: doc };
  return {
    input: doc,
    apart: {
      _id: input.deliveryId,
      accountId: doc.accountId,
      contentType,
      body: toBinary(bytes),
      ...(encoding ? { encoding } : {}),
    },
  };
}

/** A stored payload, inside its incident or apart (compressed or not), as it was received. */
export function receivedBody(doc: Pick<PayloadApartDoc, "body" | "encoding">): Uint8Array {
  return decodedBytes({ bytes: bytesOf(doc.body), ...optional("encoding", doc.encoding) });
}

function toEventFields(event: IncidentEvent): IncidentEventFields {
  const { callId, ...fields } = event;
  return { ...fields, ...(callId ? { callId: toObjectId(callId) } : {}) };
}

function toEvent(doc: IncidentEventFields): IncidentEvent {
  return {
    at: doc.at,
    type: doc.type,
    actor: doc.actor,
    ...(doc.callId ? { callId: hex(doc.callId) } : {}),
    ...optional("comment", doc.comment),
  };
}

/** The first event of every incident, kept in the incident document itself. */
function openingEvent(incident: IncidentDoc): IncidentEvent {
  return toEvent({ at: incident.createdAt, type: "triggered", ...incident.openedBy });
}

function toStoredIncident(doc: IncidentDoc, payload: StoredPayload): StoredIncident {
  const description = doc.description ?? payloadText(payload.body, payload.contentType);
  return { ...toHead(doc), description, payload };
}

/** Also for documents read without description and payload. */
function toHead(doc: Omit<IncidentDoc, "description" | "payload">): IncidentHead {
  // Read with or without description and payload: neither is part of the head.
  const { _id, accountId, serviceId, deliveryId, openedBy, description, payload, ...fields } =
    doc as IncidentDoc;
  return { id: hex(_id), accountId: hex(accountId), serviceId: hex(serviceId), ...fields };
}

/** What a claimed transition changes in its incident (its version's event's status and time). */
function transitionFields(
  current: Pick<IncidentDoc, "status" | "version">,
  event: { status?: IncidentStatus | undefined; at: Date },
) {
  const to = event.status ?? current.status;
  const stamp =
    to === "resolved"
      ? { resolvedAt: event.at }
      : to === "acknowledged"
        ? { acknowledgedAt: event.at }
        : {};
  return { status: to, version: current.version + 1, updatedAt: event.at, ...stamp };
}

/** The event that claims an incident's next version (its _id). */
function versionClaim(incident: Pick<IncidentDoc, "_id" | "version">): string {
  return `${hex(incident._id)}:v${incident.version + 1}`;
}

function claimKey(serviceId: ObjectId, correlationKey: string): string {
  const digest = createHash("sha256").update(correlationKey).digest("hex");
  return `${hex(serviceId)}:${digest}`;
}
