import { type Collection, type Db, MongoBulkWriteError, type ObjectId } from "mongodb";
import { isDuplicateKey } from "./database.js";
import type { ServiceDoc } from "./documents.js";
import { hex, toObjectId } from "./ids.js";
import { OPEN_CLAIMS, type OpenClaimDoc } from "./incidents.js";
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

/** Where the releases before OPEN_CLAIMS kept the open-incident claims. */
const EARLIER_OPEN_CLAIMS = "open_incidents";
/** Claims moved per command. */
const MOVE_PAGE = 1_000;

/**
 * The open-incident claims an earlier release stored in `open_incidents` move to OPEN_CLAIMS
 * (`deliveries`), where this release reads them. Run at every start-up before the service is
 * ready (once they have moved: one read that finds nothing); idempotent and safe with several
 * instances: each claim is copied with its `_id` (a claim already there is kept: it is the one
 * this release decides by), then deleted from `open_incidents` unless it changed meanwhile (it
 * moves at the next turn). Not remembered as done: claims that an instance of the earlier
 * release stores later move at the next start-up (ADR 0001, "Upgrading"). Returns how many
 * moved.
 */
export async function moveOpenIncidentClaims(db: Db): Promise<number> {
  const earlier = db.collection<OpenClaimDoc>(EARLIER_OPEN_CLAIMS);
  const claims = db.collection<OpenClaimDoc>(OPEN_CLAIMS);
  let moved = 0;
  for (;;) {
    const page = await earlier.find({}).limit(MOVE_PAGE).toArray();
    if (page.length === 0) return moved;
    await insertUnlessPresent(claims, page);
    const { deletedCount } = await earlier.bulkWrite(
      page.map(({ _id, incidentId }) => ({ deleteOne: { filter: { _id, incidentId } } })),
      { ordered: false },
    );
    moved += deletedCount;
  }
}

/** Inserts the documents whose `_id` is not taken; the others are left as they are stored. */
async function insertUnlessPresent(
  collection: Collection<OpenClaimDoc>,
  docs: OpenClaimDoc[],
): Promise<void> {
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const refused = [error.writeErrors].flat();
    if (refused.length === 0 || !refused.every(isDuplicateKey)) throw error;
  }
}
