import type { MaintenanceWindow } from "@sqibs/domain";
import { type Db, ObjectId } from "mongodb";
import type { ServiceDoc } from "./documents.js";
import { oneAtATimePerKey } from "./one-at-a-time.js";

export type NewService = Omit<ServiceDoc, "_id" | "createdAt" | "updatedAt">;

/**
 * Maintenance tags are groups of tags (string[][]); FerretDB cannot store nested arrays, so
 * each group is stored as { all: [...] } and turned back on the way out.
 */
interface StoredMaintenance extends Omit<MaintenanceWindow, "tags"> {
  tags?: Array<{ all: string[] }>;
}
type StoredService = Omit<ServiceDoc, "maintenance"> & { maintenance?: StoredMaintenance };

function toStored<T extends Partial<ServiceDoc>>(service: T) {
  const { maintenance, ...rest } = service;
  if (!maintenance) return rest as Omit<T, "maintenance">;
  const { tags, ...window } = maintenance;
  return {
    ...rest,
    maintenance: { ...window, ...(tags ? { tags: tags.map((group) => ({ all: group })) } : {}) },
  };
}

function fromStored(stored: StoredService | null): ServiceDoc | null {
  if (!stored?.maintenance) return stored as ServiceDoc | null;
  const { tags, ...window } = stored.maintenance;
  return {
    ...stored,
    maintenance: { ...window, ...(tags ? { tags: tags.map((group) => group.all) } : {}) },
  };
}

export function servicesRepository(db: Db) {
  const services = db.collection<StoredService>("services");
  /** Updates of one service, one at a time (an instance's own updates are never lost). */
  const updateInTurn = oneAtATimePerKey();

  return {
    async create(input: NewService, now: Date): Promise<ServiceDoc> {
      const doc: ServiceDoc = { _id: new ObjectId(), ...input, createdAt: now, updatedAt: now };
      await services.insertOne(toStored(doc) as StoredService);
      return doc;
    },
    findInAccount: async (accountId: ObjectId, id: ObjectId) =>
      fromStored(await services.findOne({ _id: id, accountId })),
    listByAccount: async (accountId: ObjectId) =>
      (await services.find({ accountId }).sort({ _id: 1 }).toArray()).map(
        (service) => fromStored(service) as ServiceDoc,
      ),
    async update(
      accountId: ObjectId,
      id: ObjectId,
      set: Partial<ServiceDoc>,
      unset: string[],
      now: Date,
    ): Promise<ServiceDoc | null> {
      const update: Record<string, unknown> = { $set: { ...toStored(set), updatedAt: now } };
      if (unset.length) update.$unset = Object.fromEntries(unset.map((field) => [field, ""]));
      const updated = await updateInTurn(id.toHexString(), () =>
        services.findOneAndUpdate({ _id: id, accountId }, update, { returnDocument: "after" }),
      );
      return fromStored(updated);
    },
    async delete(accountId: ObjectId, id: ObjectId): Promise<boolean> {
      const result = await services.deleteOne({ _id: id, accountId });
      return result.deletedCount === 1;
    },
  };
}
