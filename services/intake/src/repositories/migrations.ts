import type { Db, ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { ServiceDoc } from "./documents.js";
import { hex, toObjectId } from "./ids.js";
import type { teamsRepository } from "./teams.js";

/** One-time upgrade steps that are done, by name (ADR 0002: keyed by hashed `_id`). */
interface MigrationDoc {
  _id: string;
  doneAt: Date;
}

const SERVICES_INTO_TEAMS = "services-into-default-teams";

/**
 * Teams (docs/product.md §10): every account gets its default team, and every service stored
 * before teams existed is moved into it. Run at start-up before the service is ready (with the
 * indexes); idempotent and safe with several instances (the default team's id is derived from
 * the account, and each service only ever gets that one value), remembered once done. A
 * service an instance of the previous release stores later is read as in the default team.
 */
export async function moveServicesIntoTeams(
  db: Db,
  teams: ReturnType<typeof teamsRepository>,
  now: Date,
): Promise<void> {
  const migrations = db.collection<MigrationDoc>("migrations");
  if (await migrations.findOne({ _id: SERVICES_INTO_TEAMS })) return;
  const services = db.collection<ServiceDoc>("services");
  const accounts = db.collection<{ _id: ObjectId }>("accounts");
  for await (const account of accounts.find({}, { projection: { _id: 1 } })) {
    const team = await teams.ensureDefault(hex(account._id), now);
    await services.updateMany(
      { accountId: account._id, teamId: { $exists: false } },
      { $set: { teamId: toObjectId(team.id) } },
    );
  }
  try {
    await migrations.insertOne({ _id: SERVICES_INTO_TEAMS, doneAt: now });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}
