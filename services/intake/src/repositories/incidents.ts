import { createHash } from "node:crypto";
import { type Db, type Filter, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type {
  IncidentDoc,
  IncidentEvent,
  IncidentEventDoc,
  IncidentStatus,
  StoredIncidentDoc,
} from "./documents.js";
import type { InsertBatches } from "./insert-batches.js";

/**
 * At most one open incident per (service, correlation value). FerretDB has no partial unique
 * indexes or transactions, and its updates are not atomic under concurrency, so every
 * decision that concurrent calls race for is an insert keyed by _id: the open-incident claim,
 * the per-account number, and each lifecycle transition (its event).
 */
interface OpenClaimDoc {
  _id: string;
  incidentId: ObjectId;
  createdAt: Date;
}

export type NewIncident = Omit<StoredIncidentDoc, "_id" | "number" | "version" | "openedBy">;

/** A new incident with its opening event, as insertNew stores it. */
type OpenedIncident = NewIncident & Pick<StoredIncidentDoc, "openedBy">;

export type OpenOutcome = { action: "created" | "duplicate"; incident: StoredIncidentDoc };

/** An incident as listed: without its description, events and payload. */
export type IncidentListDoc = Omit<IncidentDoc, "description" | "events" | "payload">;

export interface IncidentListQuery {
  accountId: ObjectId;
  status?: IncidentStatus;
  serviceId?: ObjectId;
  source?: string;
  before?: ObjectId;
  limit: number;
}

/** A claim whose incident never appeared (its writer died) is taken over after this. */
const ORPHAN_CLAIM_MS = 10_000;
const WAIT_STEP_MS = 25;
const OPEN: IncidentStatus[] = ["triggered", "acknowledged"];

export function incidentsRepository(db: Db, batches: InsertBatches) {
  const incidents = db.collection<StoredIncidentDoc>("incidents");
  const events = db.collection<IncidentEventDoc>("incident_events");
  const claims = db.collection<OpenClaimDoc>("open_incidents");

  /** The last number this process handed out, per account (read once from the incidents). */
  const lastNumbers = new Map<string, Promise<{ last: number }>>();

  async function highestNumber(accountId: ObjectId): Promise<number> {
    const [top] = await incidents
      .find({ accountId }, { projection: { number: 1 } })
      .sort({ number: -1 })
      .limit(1)
      .toArray();
    return top?.number ?? 0;
  }

  /**
   * The next per-account number, handed out from memory: the process's own numbers never
   * collide, so its inserts are batched together. The unique { accountId, number } index is
   * the claim: a number another instance took fails the insert (see insertNew).
   */
  async function nextNumber(accountId: ObjectId): Promise<number> {
    const account = accountId.toHexString();
    let counter = lastNumbers.get(account);
    if (!counter) {
      counter = highestNumber(accountId).then((last) => ({ last }));
      lastNumbers.set(account, counter);
      counter.catch(() => lastNumbers.delete(account));
    }
    const allocator = await counter;
    allocator.last += 1;
    return allocator.last;
  }

  /** Another instance numbers incidents of this account too: continue after its numbers. */
  async function skipTakenNumbers(accountId: ObjectId): Promise<void> {
    const allocator = await lastNumbers.get(accountId.toHexString());
    if (allocator) allocator.last = Math.max(allocator.last, await highestNumber(accountId));
  }

  /** Inserts an event once: a retried write with the same _id is a no-op. */
  async function insertEvent(
    incidentId: ObjectId,
    id: string,
    event: IncidentEvent & { status?: IncidentStatus },
  ): Promise<boolean> {
    try {
      await batches.insert(events, { _id: id, incidentId, ...event });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /**
   * Inserts once per delivery, with its opening event inside (one write): a retry of a
   * delivery that was stored gets the stored incident; a number taken by another instance
   * is skipped.
   */
  async function insertNew(id: ObjectId, input: OpenedIncident): Promise<StoredIncidentDoc> {
    for (;;) {
      const doc: StoredIncidentDoc = {
        _id: id,
        ...input,
        number: await nextNumber(input.accountId),
        version: 0,
      };
      try {
        await batches.insert(incidents, doc);
        return doc;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const stored = await incidents.findOne({ deliveryId: input.deliveryId });
      if (stored) return stored;
      await skipTakenNumbers(input.accountId);
    }
  }

  async function withEvents(incident: StoredIncidentDoc): Promise<IncidentDoc> {
    const list = await events.find({ incidentId: incident._id }).sort({ at: 1, _id: 1 }).toArray();
    const history = [
      openingEvent(incident),
      ...list.map(({ _id, incidentId, status, ...event }): IncidentEvent => event),
    ];
    return {
      ...incident,
      events: history,
      eventCount: history.length,
      lastEventAt: history.at(-1)?.at ?? incident.createdAt,
    };
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
        const latest = await events.findOne(
          { incidentId },
          { sort: { at: -1 }, projection: { at: 1 } },
        );
        stats.set(incidentId.toHexString(), latest ? { count, last: latest.at } : { count });
      }),
    );
    return stats;
  }

  async function releaseClaim(incident: StoredIncidentDoc): Promise<void> {
    if (incident.correlationKey === undefined) return;
    await claims.deleteOne({
      _id: claimKey(incident.serviceId, incident.correlationKey),
      incidentId: incident._id,
    });
  }

  /**
   * Applies a lifecycle change once: the event "<id>:v<n+1>" is the claim on version n+1.
   * Whoever inserts it applies it; an incident left behind by a crash is rolled forward.
   */
  async function transition(
    filter: Filter<StoredIncidentDoc>,
    from: IncidentStatus[],
    to: IncidentStatus,
    event: IncidentEvent,
  ): Promise<StoredIncidentDoc | null> {
    for (;;) {
      const current = await incidents.findOne(filter);
      if (!current) return null;
      const next = current.version + 1;
      const claimId = `${current._id.toHexString()}:v${next}`;
      const pending = await events.findOne({ _id: claimId });
      if (pending) {
        await applyTransition(current, pending);
        continue;
      }
      if (!from.includes(current.status)) return null;
      const claimed = { ...event, status: to };
      if (!(await insertEvent(current._id, claimId, claimed))) continue;
      return applyTransition(current, claimed);
    }
  }

  async function applyTransition(
    current: StoredIncidentDoc,
    event: IncidentEvent & { status?: IncidentStatus },
  ): Promise<StoredIncidentDoc> {
    const to = event.status ?? current.status;
    const stamp =
      to === "resolved"
        ? { resolvedAt: event.at }
        : to === "acknowledged"
          ? { acknowledgedAt: event.at }
          : {};
    const set = { status: to, version: current.version + 1, updatedAt: event.at, ...stamp };
    await incidents.updateOne({ _id: current._id, version: current.version }, { $set: set });
    const updated: StoredIncidentDoc = { ...current, ...set };
    if (to === "resolved") await releaseClaim(updated);
    return updated;
  }

  return {
    /** Opens an incident, or adds the event to the open one with the same correlation value. */
    async openOrAppend(input: NewIncident, event: IncidentEvent): Promise<OpenOutcome> {
      const id = new ObjectId();
      if (input.correlationKey === undefined) {
        return { action: "created", incident: await insertNew(id, opened(input, event)) };
      }
      const claimId = claimKey(input.serviceId, input.correlationKey);
      for (;;) {
        try {
          await batches.insert(claims, { _id: claimId, incidentId: id, createdAt: event.at });
          return { action: "created", incident: await insertNew(id, opened(input, event)) };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const claim = await claims.findOne({ _id: claimId });
        if (!claim) continue;
        const existing = await incidents.findOne(
          { _id: claim.incidentId },
          { projection: { payload: 0 } },
        );
        if (existing && existing.status !== "resolved") {
          // A retried delivery whose first attempt opened this incident adds nothing.
          if (existing.deliveryId === input.deliveryId)
            return { action: "created", incident: existing };
          await insertEvent(existing._id, input.deliveryId, { ...event, type: "duplicate" });
          return { action: "duplicate", incident: existing };
        }
        const orphaned = !existing && Date.now() - claim.createdAt.getTime() > ORPHAN_CLAIM_MS;
        if (existing || orphaned) {
          await claims.deleteOne({ _id: claimId, incidentId: claim.incidentId });
          continue;
        }
        // The winner holds the claim but has not inserted its incident yet.
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
    },

    /** Resolves the open incident of the service with this correlation value, if any. */
    resolveOpen(serviceId: ObjectId, correlationKey: string, event: IncidentEvent) {
      return transition(
        { serviceId, correlationKey, status: { $in: OPEN } },
        OPEN,
        "resolved",
        event,
      );
    },

    /** Moves an incident between lifecycle states; null when the transition does not apply. */
    async transition(
      accountId: ObjectId,
      id: ObjectId,
      from: IncidentStatus[],
      to: IncidentStatus,
      event: IncidentEvent,
    ): Promise<IncidentDoc | null> {
      const updated = await transition({ _id: id, accountId }, from, to, event);
      return updated ? withEvents(updated) : null;
    },

    async findInAccount(accountId: ObjectId, id: ObjectId): Promise<IncidentDoc | null> {
      const incident = await incidents.findOne({ _id: id, accountId });
      return incident ? withEvents(incident) : null;
    },

    /** Resolves every open incident with an auto-resolve time that got no event for that long. */
    async autoResolveQuiet(now: Date, actor: string, batch: number): Promise<number> {
      let resolved = 0;
      let after: ObjectId | undefined;
      for (;;) {
        const open = await incidents
          .find(
            {
              status: { $in: OPEN },
              autoResolveAfterSeconds: { $gt: 0 },
              ...(after ? { _id: { $gt: after } } : {}),
            },
            { projection: { payload: 0, description: 0 } },
          )
          .sort({ _id: 1 })
          .limit(batch)
          .toArray();
        const stats = await eventStats(open.map((incident) => incident._id));
        for (const incident of open) {
          const last = stats.get(incident._id.toHexString())?.last ?? incident.createdAt;
          const quietSince = now.getTime() - (incident.autoResolveAfterSeconds ?? 0) * 1000;
          if (last.getTime() > quietSince) continue;
          const done = await transition(
            { _id: incident._id, version: incident.version },
            OPEN,
            "resolved",
            {
              at: now,
              type: "resolved",
              actor,
            },
          );
          if (done) resolved += 1;
        }
        if (open.length < batch) return resolved;
        after = open.at(-1)?._id;
      }
    },

    /** Newest first; paging by _id keeps pages stable while new incidents arrive. */
    async listPage(query: IncidentListQuery): Promise<IncidentListDoc[]> {
      const filter: Filter<StoredIncidentDoc> = { accountId: query.accountId };
      if (query.status) filter.status = query.status;
      if (query.serviceId) filter.serviceId = query.serviceId;
      if (query.source !== undefined) filter.source = query.source;
      if (query.before) filter._id = { $lt: query.before };
      const page = await incidents
        .find(filter, { projection: { description: 0, payload: 0 } })
        .sort({ _id: -1 })
        .limit(query.limit)
        .toArray();
      const stats = await eventStats(page.map((incident) => incident._id));
      return page.map((incident) => {
        const stat = stats.get(incident._id.toHexString());
        return {
          ...incident,
          eventCount: (stat?.count ?? 0) + 1,
          lastEventAt: stat?.last ?? incident.createdAt,
        };
      });
    },
  };
}

function opened(input: NewIncident, event: IncidentEvent): OpenedIncident {
  return {
    ...input,
    openedBy: { actor: event.actor, ...(event.callId ? { callId: event.callId } : {}) },
  };
}

/** The first event of every incident, kept in the incident document itself. */
function openingEvent(incident: StoredIncidentDoc): IncidentEvent {
  return { at: incident.createdAt, type: "triggered", ...incident.openedBy };
}

function claimKey(serviceId: ObjectId, correlationKey: string): string {
  const digest = createHash("sha256").update(correlationKey).digest("hex");
  return `${serviceId.toHexString()}:${digest}`;
}
