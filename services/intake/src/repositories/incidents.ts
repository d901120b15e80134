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

interface NumberClaimDoc {
  _id: string;
}

/** Where numbering resumes; only a hint (a late writer may set it lower), never the truth. */
interface NumberHintDoc {
  _id: string;
  last: number;
}

export type NewIncident = Omit<StoredIncidentDoc, "_id" | "number" | "version">;

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
/** The numbering hint is written every this many numbers (and after any collision). */
const HINT_EVERY = 8;
const OPEN: IncidentStatus[] = ["triggered", "acknowledged"];

export function incidentsRepository(db: Db) {
  const incidents = db.collection<StoredIncidentDoc>("incidents");
  const events = db.collection<IncidentEventDoc>("incident_events");
  const claims = db.collection<OpenClaimDoc>("open_incidents");
  const numbers = db.collection<NumberClaimDoc>("incident_numbers");
  const hints = db.collection<NumberHintDoc>("counters");

  /** The last number this process claimed per account, and the chain that serializes claims. */
  const allocators = new Map<string, { last: number; chain: Promise<unknown> }>();

  /**
   * The next per-account number, claimed by inserting "<account>:<n>". Claims are serialized
   * per account within the process (no self-collisions); other instances collide rarely and
   * move on. The hint, read once per account and written every few numbers, only says where
   * to start after a restart.
   */
  function nextNumber(accountId: ObjectId): Promise<number> {
    const account = accountId.toHexString();
    const allocator = allocators.get(account) ?? { last: -1, chain: Promise.resolve() };
    allocators.set(account, allocator);
    const claimed = allocator.chain.then(async () => {
      if (allocator.last < 0) allocator.last = (await hints.findOne({ _id: account }))?.last ?? 0;
      let candidate = allocator.last + 1;
      for (;;) {
        try {
          await numbers.insertOne({ _id: `${account}:${candidate}` });
          break;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          candidate += 1;
        }
      }
      const collided = candidate !== allocator.last + 1;
      allocator.last = candidate;
      if (collided || candidate % HINT_EVERY === 0) {
        await hints
          .updateOne({ _id: account }, { $set: { last: candidate } }, { upsert: true })
          .catch((error) => {
            if (!isDuplicateKey(error)) throw error;
          });
      }
      return candidate;
    });
    allocator.chain = claimed.catch(() => {
      allocator.last = -1;
    });
    return claimed;
  }

  /** Inserts an event once: a retried write with the same _id is a no-op. */
  async function insertEvent(
    incidentId: ObjectId,
    id: string,
    event: IncidentEvent & { status?: IncidentStatus },
  ): Promise<boolean> {
    try {
      await events.insertOne({ _id: id, incidentId, ...event });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Inserts once per delivery: a retry of a delivery that was stored gets the stored one. */
  async function insertNew(id: ObjectId, input: NewIncident, event: IncidentEvent) {
    const doc: StoredIncidentDoc = {
      _id: id,
      ...input,
      number: await nextNumber(input.accountId),
      version: 0,
    };
    try {
      await incidents.insertOne(doc);
    } catch (error) {
      const stored = isDuplicateKey(error)
        ? await incidents.findOne({ deliveryId: input.deliveryId })
        : null;
      if (!stored) throw error;
      await insertEvent(stored._id, input.deliveryId, event);
      return stored;
    }
    await insertEvent(id, input.deliveryId, event);
    return doc;
  }

  async function withEvents(incident: StoredIncidentDoc): Promise<IncidentDoc> {
    const list = await events.find({ incidentId: incident._id }).sort({ at: 1, _id: 1 }).toArray();
    const history = list.map(({ _id, incidentId, status, ...event }): IncidentEvent => event);
    return {
      ...incident,
      events: history,
      eventCount: history.length,
      lastEventAt: history.at(-1)?.at ?? incident.createdAt,
    };
  }

  /**
   * Event count (one aggregation) and latest event time (one indexed read each: FerretDB's
   * $group has no $max) of each incident.
   */
  async function eventStats(ids: ObjectId[]): Promise<Map<string, { count: number; last?: Date }>> {
    const counts = await events
      .aggregate<{ _id: ObjectId; count: number }>([
        { $match: { incidentId: { $in: ids } } },
        { $group: { _id: "$incidentId", count: { $sum: 1 } } },
      ])
      .toArray();
    const lasts = await Promise.all(
      ids.map((incidentId) =>
        events.findOne({ incidentId }, { sort: { at: -1 }, projection: { at: 1 } }),
      ),
    );
    const stats = new Map<string, { count: number; last?: Date }>();
    for (const row of counts) stats.set(row._id.toHexString(), { count: row.count });
    ids.forEach((id, index) => {
      const last = lasts[index]?.at;
      const stat = stats.get(id.toHexString());
      if (stat && last) stat.last = last;
    });
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
          eventCount: stat?.count ?? 0,
          lastEventAt: stat?.last ?? incident.createdAt,
        };
      });
    },
  };
}

function claimKey(serviceId: ObjectId, correlationKey: string): string {
  const digest = createHash("sha256").update(correlationKey).digest("hex");
  return `${serviceId.toHexString()}:${digest}`;
}
