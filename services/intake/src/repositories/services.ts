import type { MaintenanceWindow } from "@sqibs/domain";
import { type Db, ObjectId } from "mongodb";
import { accountScopedReads } from "./account-scoped.js";
import type { ServiceDoc, StoredMaintenance } from "./documents.js";
import type { Service } from "./entities.js";
import { defaultTeamIdOf, hex, inAccount, toObjectId } from "./ids.js";
import { oneAtATimePerKey } from "./one-at-a-time.js";

export type NewService = Omit<Service, "id" | "createdAt" | "updatedAt">;

/** The fields a service update sets (ids and times are the repository's). */
export type ServiceChanges = Partial<Omit<Service, "id" | "accountId" | "createdAt" | "updatedAt">>;

export function servicesRepository(db: Db) {
  const services = db.collection<ServiceDoc>("services");
  /** Updates of one service, one at a time (an instance's own updates are never lost). */
  const updateInTurn = oneAtATimePerKey();

  return {
    ...accountScopedReads(services, toService),
    async create(input: NewService, now: Date): Promise<Service> {
      const { accountId, teamId, maintenance, ...fields } = input;
      const doc: ServiceDoc = {
        _id: new ObjectId(),
        accountId: toObjectId(accountId),
        teamId: toObjectId(teamId),
        ...fields,
        ...(maintenance ? { maintenance: toStoredMaintenance(maintenance) } : {}),
        createdAt: now,
        updatedAt: now,
      };
      await services.insertOne(doc);
      return toService(doc);
    },
    countInAccount: (accountId: string): Promise<number> =>
      services.countDocuments({ accountId: toObjectId(accountId) }),
    async update(
      accountId: string,
      id: string,
      set: ServiceChanges,
      unset: string[],
      now: Date,
    ): Promise<Service | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      const { maintenance, teamId, ...fields } = set;
      const stored = {
        ...fields,
        ...(teamId ? { teamId: toObjectId(teamId) } : {}),
        ...(maintenance ? { maintenance: toStoredMaintenance(maintenance) } : {}),
      };
      const update: Record<string, unknown> = { $set: { ...stored, updatedAt: now } };
      if (unset.length) update.$unset = Object.fromEntries(unset.map((field) => [field, ""]));
      const updated = await updateInTurn(id, () =>
        services.findOneAndUpdate(filter, update, { returnDocument: "after" }),
      );
      return updated ? toService(updated) : null;
    },
    async delete(accountId: string, id: string): Promise<boolean> {
      const filter = inAccount(accountId, id);
      if (!filter) return false;
      const result = await services.deleteOne(filter);
      return result.deletedCount === 1;
    },
  };
}

function toStoredMaintenance(window: MaintenanceWindow): StoredMaintenance {
  const { tags, ...times } = window;
  return { ...times, ...(tags ? { tags: tags.map((group) => ({ all: group })) } : {}) };
}

function toService(doc: ServiceDoc): Service {
  const { _id, accountId, teamId, maintenance, ...fields } = doc;
  const account = hex(accountId);
  // Stored before teams existed, and not yet moved by the start-up migration (a rolling
  // deploy): in the default team.
  const team = teamId ? hex(teamId) : defaultTeamIdOf(account);
  const service: Service = { id: hex(_id), accountId: account, teamId: team, ...fields };
  if (maintenance) {
    const { tags, ...times } = maintenance;
    service.maintenance = { ...times, ...(tags ? { tags: tags.map((group) => group.all) } : {}) };
  }
  return service;
}
