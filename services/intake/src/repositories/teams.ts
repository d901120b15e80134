import { type Db, ObjectId } from "mongodb";
import { accountScopedReads } from "./account-scoped.js";
import { isDuplicateKey } from "./database.js";
import type { Team } from "./entities.js";
import { defaultTeamIdOf, hex, inAccount, toObjectId } from "./ids.js";

/**
 * A team as stored. `nameKey` (the name, trimmed and lower-cased) is unique per account, so
 * two teams cannot be told apart only by case; the default team's `_id` is derived from the
 * account (ids.ts), so every instance creates the same one.
 */
interface TeamDoc extends Omit<Team, "id" | "accountId"> {
  _id: ObjectId;
  accountId: ObjectId;
  nameKey: string;
}

export const DEFAULT_TEAM_NAME = "Default";

/** A name another team of the account already has (the unique index said so). */
export interface NameTaken {
  taken: string;
}

export function teamsRepository(db: Db) {
  const teams = db.collection<TeamDoc>("teams");
  const reads = accountScopedReads(teams, toTeam);

  async function insert(doc: TeamDoc): Promise<Team | NameTaken> {
    try {
      await teams.insertOne(doc);
      return toTeam(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { taken: doc.name };
    }
  }

  return {
    findInAccount: reads.findInAccount,
    /** The account's default team, created the first time it is asked for (idempotent). */
    async ensureDefault(accountId: string, now: Date): Promise<Team> {
      const _id = toObjectId(defaultTeamIdOf(accountId));
      const account = toObjectId(accountId);
      const existing = await teams.findOne({ _id, accountId: account });
      if (existing) return toTeam(existing);
      const created = await insert({
        _id,
        accountId: account,
        name: DEFAULT_TEAM_NAME,
        nameKey: nameKeyOf(DEFAULT_TEAM_NAME),
        isDefault: true,
        createdAt: now,
        updatedAt: now,
      });
      if ("id" in created) return created;
      // Another instance inserted it at the same moment.
      const stored = await teams.findOne({ _id, accountId: account });
      if (!stored) throw new Error(`the default team of ${accountId} could not be created`);
      return toTeam(stored);
    },

    create(input: { accountId: string; name: string }, now: Date): Promise<Team | NameTaken> {
      return insert({
        _id: new ObjectId(),
        accountId: toObjectId(input.accountId),
        name: input.name,
        nameKey: nameKeyOf(input.name),
        isDefault: false,
        createdAt: now,
        updatedAt: now,
      });
    },

    countInAccount: (accountId: string): Promise<number> =>
      teams.countDocuments({ accountId: toObjectId(accountId) }),

    /** The default team first, then oldest first. */
    async listByAccount(accountId: string): Promise<Team[]> {
      const oldestFirst = await reads.listByAccount(accountId);
      return oldestFirst.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    },

    async rename(
      accountId: string,
      id: string,
      name: string,
      now: Date,
    ): Promise<Team | NameTaken | null> {
      const filter = inAccount(accountId, id);
      if (!filter) return null;
      try {
        const doc = await teams.findOneAndUpdate(
          filter,
          { $set: { name, nameKey: nameKeyOf(name), updatedAt: now } },
          { returnDocument: "after" },
        );
        return doc ? toTeam(doc) : null;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        return { taken: name };
      }
    },

    /** Deletes a team that is not the default one; false when there is none such. */
    async delete(accountId: string, id: string): Promise<boolean> {
      const filter = inAccount(accountId, id);
      if (!filter) return false;
      const { deletedCount } = await teams.deleteOne({ ...filter, isDefault: false });
      return deletedCount === 1;
    },
  };
}

function nameKeyOf(name: string): string {
  return name.trim().toLowerCase();
}

function toTeam(doc: TeamDoc): Team {
  return {
    id: hex(doc._id),
    accountId: hex(doc.accountId),
    name: doc.name,
    isDefault: doc.isDefault,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
