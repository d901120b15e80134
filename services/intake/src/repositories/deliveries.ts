import { type Db, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";

/**
 * One document per delivery of a call (a body from a token to an endpoint, or an explicit
 * Idempotency-Key). Its `generation` names the writes of that delivery, so a retry after a
 * crash finds what the first attempt stored instead of storing it again.
 */
interface DeliveryDoc {
  _id: string;
  generation: ObjectId;
  state: "pending" | "done";
  createdAt: Date;
  expiresAt: Date;
  /** A pending delivery whose lease ran out lost its owner (a crash): a retry takes it over. */
  leaseUntil: Date;
  status?: number;
  response?: string;
}

export type DeliveryClaim =
  | { role: "owner"; generation: ObjectId }
  | { role: "replay"; generation: ObjectId; status: number; response: string };

const LEASE_MS = 5_000;
const WAIT_STEP_MS = 25;

export function deliveriesRepository(db: Db) {
  const deliveries = db.collection<DeliveryDoc>("deliveries");

  async function takeOver(filter: Partial<DeliveryDoc> & { _id: string }, fresh: DeliveryDoc) {
    const { _id, ...fields } = fresh;
    const updated = await deliveries.findOneAndUpdate(
      filter,
      { $set: fields },
      { returnDocument: "after" },
    );
    return updated?.generation;
  }

  return {
    /** Becomes the owner of a delivery, or waits for the owner's answer to replay it. */
    async claim(key: string, windowMs: number, now: () => Date): Promise<DeliveryClaim> {
      for (;;) {
        const at = now();
        const fresh: DeliveryDoc = {
          _id: key,
          generation: new ObjectId(),
          state: "pending",
          createdAt: at,
          expiresAt: new Date(at.getTime() + windowMs),
          leaseUntil: new Date(at.getTime() + LEASE_MS),
        };
        try {
          await deliveries.insertOne(fresh);
          return { role: "owner", generation: fresh.generation };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const existing = await deliveries.findOne({ _id: key });
        if (!existing) continue;
        if (existing.expiresAt <= at) {
          const generation = await takeOver({ _id: key, generation: existing.generation }, fresh);
          if (generation) return { role: "owner", generation };
          continue;
        }
        if (existing.state === "done") {
          return {
            role: "replay",
            generation: existing.generation,
            status: existing.status ?? 200,
            response: existing.response ?? "{}",
          };
        }
        if (existing.leaseUntil <= at) {
          // Same generation: the new owner finds whatever the crashed one wrote.
          const generation = await takeOver(
            { _id: key, generation: existing.generation, leaseUntil: existing.leaseUntil },
            {
              ...fresh,
              generation: existing.generation,
              createdAt: existing.createdAt,
              expiresAt: existing.expiresAt,
            },
          );
          if (generation) return { role: "owner", generation };
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      }
    },

    async complete(key: string, status: number, response: string): Promise<void> {
      // By _id alone: FerretDB turns only an exact { _id } filter into a keyed lookup (any
      // other filter scans the collection). A newer generation exists only after the window.
      await deliveries.updateOne({ _id: key }, { $set: { state: "done", status, response } });
    },

    /**
     * The owner failed part-way (e.g. the database went away): the sender's retry takes the
     * delivery over at once, with the same generation, and completes what was stored.
     */
    async abandon(key: string): Promise<void> {
      await deliveries.updateOne({ _id: key }, { $set: { leaseUntil: new Date(0) } });
    },

    async deleteExpired(now: Date): Promise<number> {
      const result = await deliveries.deleteMany({ expiresAt: { $lte: now }, state: "done" });
      return result.deletedCount;
    },
  };
}
