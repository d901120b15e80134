import { createHash } from "node:crypto";
import { type Db, type Filter, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { IncidentDoc, IncidentEvent, IncidentStatus } from "./documents.js";

/**
 * At most one open incident per (service, correlation value). FerretDB has no partial unique
 * indexes or transactions, so a claim document keyed by _id decides who opens it.
 */
interface OpenClaimDoc {
  _id: string;
  incidentId: ObjectId;
  createdAt: Date;
}

interface CounterDoc {
  _id: string;
  seq: number;
}

export type NewIncident = Omit<
  IncidentDoc,
  "_id" | "number" | "eventCount" | "events" | "lastEventAt"
>;

export type OpenOutcome = { action: "created" | "duplicate"; incident: IncidentDoc };

/** A claim whose incident never appeared (its writer died) is taken over after this. */
const ORPHAN_CLAIM_MS = 10_000;
const CLAIM_WAIT_STEP_MS = 25;

export interface IncidentListQuery {
  accountId: ObjectId;
  status?: IncidentStatus;
  serviceId?: ObjectId;
  source?: string;
  before?: ObjectId;
  limit: number;
}

export function incidentsRepository(db: Db) {
  const incidents = db.collection<IncidentDoc>("incidents");
  const claims = db.collection<OpenClaimDoc>("open_incidents");
  const counters = db.collection<CounterDoc>("counters");

  async function nextNumber(accountId: ObjectId): Promise<number> {
    const counter = await counters.findOneAndUpdate(
      { _id: `incidents:${accountId.toHexString()}` },
      { $inc: { seq: 1 } },
      { upsert: true, returnDocument: "after" },
    );
    if (!counter) throw new Error("incident counter upsert returned nothing");
    return counter.seq;
  }

  async function insertNew(
    id: ObjectId,
    input: NewIncident,
    event: IncidentEvent,
  ): Promise<IncidentDoc> {
    const doc: IncidentDoc = {
      _id: id,
      ...input,
      number: await nextNumber(input.accountId),
      eventCount: 1,
      events: [event],
      lastEventAt: event.at,
    };
    await incidents.insertOne(doc);
    return doc;
  }

  async function appendEvent(
    incidentId: ObjectId,
    event: IncidentEvent,
  ): Promise<IncidentDoc | null> {
    return incidents.findOneAndUpdate(
      { _id: incidentId, status: { $ne: "resolved" } },
      {
        $inc: { eventCount: 1 },
        $push: { events: event },
        $set: { lastEventAt: event.at, updatedAt: event.at },
      },
      { returnDocument: "after" },
    );
  }

  return {
    /** Opens an incident, or adds the event to the open one with the same correlation value. */
    async openOrAppend(input: NewIncident, event: IncidentEvent): Promise<OpenOutcome> {
      const id = new ObjectId();
      if (input.correlationKey === undefined) {
        return { action: "created", incident: await insertNew(id, input, event) };
      }
      const claimId = claimKey(input.serviceId, input.correlationKey);
      for (;;) {
        try {
          await claims.insertOne({ _id: claimId, incidentId: id, createdAt: event.at });
          return { action: "created", incident: await insertNew(id, input, event) };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const claim = await claims.findOne({ _id: claimId });
        if (!claim) continue;
        const updated = await appendEvent(claim.incidentId, { ...event, type: "duplicate" });
        if (updated) return { action: "duplicate", incident: updated };
        const existing = await incidents.findOne(
          { _id: claim.incidentId },
          { projection: { status: 1 } },
        );
        const orphaned = !existing && Date.now() - claim.createdAt.getTime() > ORPHAN_CLAIM_MS;
        if ((existing && existing.status === "resolved") || orphaned) {
          await claims.deleteOne({ _id: claimId, incidentId: claim.incidentId });
          continue;
        }
        // The winner holds the claim but has not inserted its incident yet.
        await new Promise((resolve) => setTimeout(resolve, CLAIM_WAIT_STEP_MS));
      }
    },

    /** Resolves the open incident of the service with this correlation value, if any. */
    async resolveOpen(serviceId: ObjectId, correlationKey: string, event: IncidentEvent) {
      const resolved = await incidents.findOneAndUpdate(
        { serviceId, correlationKey, status: { $ne: "resolved" } },
        {
          $set: {
            status: "resolved",
            resolvedAt: event.at,
            updatedAt: event.at,
            lastEventAt: event.at,
          },
          $inc: { eventCount: 1 },
          $push: { events: event },
        },
        { returnDocument: "after" },
      );
      if (resolved) await releaseClaim(resolved);
      return resolved;
    },

    /** Moves an incident between lifecycle states; null when the transition does not apply. */
    async transition(
      accountId: ObjectId,
      id: ObjectId,
      from: IncidentStatus[],
      to: IncidentStatus,
      event: IncidentEvent,
    ): Promise<IncidentDoc | null> {
      const stamp =
        to === "resolved"
          ? { resolvedAt: event.at }
          : to === "acknowledged"
            ? { acknowledgedAt: event.at }
            : {};
      const updated = await incidents.findOneAndUpdate(
        { _id: id, accountId, status: { $in: from } },
        {
          $set: { status: to, updatedAt: event.at, lastEventAt: event.at, ...stamp },
          $inc: { eventCount: 1 },
          $push: { events: event },
        },
        { returnDocument: "after" },
      );
      if (updated && to === "resolved") await releaseClaim(updated);
      return updated;
    },

    findInAccount: (accountId: ObjectId, id: ObjectId) => incidents.findOne({ _id: id, accountId }),

    /** Newest first; paging by _id keeps pages stable while new incidents arrive. */
    listPage(query: IncidentListQuery) {
      const filter: Filter<IncidentDoc> = { accountId: query.accountId };
      if (query.status) filter.status = query.status;
      if (query.serviceId) filter.serviceId = query.serviceId;
      if (query.source !== undefined) filter.source = query.source;
      if (query.before) filter._id = { $lt: query.before };
      return incidents
        .find(filter, { projection: { events: 0, payload: 0 } })
        .sort({ _id: -1 })
        .limit(query.limit)
        .toArray();
    },
  };

  async function releaseClaim(incident: IncidentDoc): Promise<void> {
    if (incident.correlationKey === undefined) return;
    await claims.deleteOne({
      _id: claimKey(incident.serviceId, incident.correlationKey),
      incidentId: incident._id,
    });
  }
}

function claimKey(serviceId: ObjectId, correlationKey: string): string {
  const digest = createHash("sha256").update(correlationKey).digest("hex");
  return `${serviceId.toHexString()}:${digest}`;
}
