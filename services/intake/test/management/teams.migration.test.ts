import { listServices, listTeams } from "@sqibs/api-client";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { type Db, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../src/repositories/database.js";
import { createRepositories, ensureIndexes } from "../../src/repositories/index.js";
import { hashSecret } from "../../src/usecases/secrets.js";
import { startTestService, type TestService } from "../harness.js";
import { clientFor, trigger } from "./support.js";

// The start-up migration (repositories/migrations.ts) on a database as the release before
// teams wrote it: accounts, services without `teamId`, tokens and their secrets, exactly the
// documents that release's repositories inserted (services/intake/src/repositories at main
// before issue 13: accounts.create, services.create, tokens.create).

interface Seeded {
  accountId: ObjectId;
  serviceIds: ObjectId[];
  globalSecret: string;
  adminSecret: string;
}

async function writeAsThePreviousRelease(db: Db, name: string, services: number): Promise<Seeded> {
  const now = new Date("2026-11-01T10:00:00Z");
  const accountId = new ObjectId();
  await db.collection("accounts").insertOne({
    _id: accountId,
    name,
    language: "en",
    createdAt: now,
    updatedAt: now,
  });
  const serviceIds: ObjectId[] = [];
  for (let index = 0; index < services; index += 1) {
    const _id = new ObjectId();
    serviceIds.push(_id);
    await db.collection("services").insertOne({
      _id,
      accountId,
      name: `${name} service ${index + 1}`,
      state: "active",
      createdAt: now,
      updatedAt: now,
    });
  }
  const secrets: string[] = [];
  for (const scope of ["global", "admin"] as const) {
    const secret = `sqibs_${scope[0]}_${name.replace(/\W/g, "")}${"0".repeat(40)}`.slice(0, 48);
    secrets.push(secret);
    const tokenId = new ObjectId();
    await db.collection<{ _id: string } & Record<string, unknown>>("token_secrets").insertOne({
      _id: hashSecret(secret),
      tokenId,
      accountId,
      createdAt: now,
    });
    await db.collection("tokens").insertOne({
      _id: tokenId,
      accountId,
      name: scope,
      scope,
      prefix: secret.slice(0, 12),
      debug: false,
      createdAt: now,
    });
  }
  return { accountId, serviceIds, globalSecret: secrets[0] ?? "", adminSecret: secrets[1] ?? "" };
}

describe("the teams migration on a database of the previous release", () => {
  const dbName = uniqueDatabaseName("teams_migration");
  let seeded: Seeded[];
  let service: TestService;

  beforeAll(async () => {
    const database = openDatabase({ uri: inject("mongodbUri"), dbName, timeoutMs: 5_000 });
    seeded = [
      await writeAsThePreviousRelease(database.db, "Acme", 3),
      await writeAsThePreviousRelease(database.db, "Globex", 1),
      await writeAsThePreviousRelease(database.db, "Initech", 0),
    ];
    await database.close();
    // The new release starts on it: the migration runs with the indexes, before it is ready.
    service = await startTestService("teams_migration", { MONGODB_DB: dbName });
  });
  afterAll(() => service.close());

  const db = () => service.deps.repositories.database.db;

  it("gives every account its default team and moves every service into it", async () => {
    for (const account of seeded) {
      const teams = await db().collection("teams").find({ accountId: account.accountId }).toArray();
      expect(teams).toHaveLength(1);
      expect(teams[0]).toMatchObject({ name: "Default", isDefault: true });
      const services = await db()
        .collection("services")
        .find({ accountId: account.accountId })
        .toArray();
      expect(services.map((doc) => String(doc._id)).sort()).toEqual(
        account.serviceIds.map(String).sort(),
      );
      for (const doc of services) expect(String(doc.teamId)).toBe(String(teams[0]?._id));
    }
  });

  it("shows the same through the API, and ingest goes on with the old tokens", async () => {
    const [acme] = seeded;
    if (!acme) throw new Error("no account");
    const admin = clientFor(service, acme.adminSecret);
    const { data: teams } = await listTeams({ client: admin });
    expect(teams?.items).toEqual([expect.objectContaining({ isDefault: true, name: "Default" })]);
    const { data: services } = await listServices({ client: admin });
    expect(services?.items).toHaveLength(3);
    for (const item of services?.items ?? []) expect(item.teamId).toBe(teams?.items[0]?.id);
    const result = await trigger(clientFor(service, acme.globalSecret));
    expect(result.incidents).toHaveLength(3);
  });

  it("is idempotent: running it again changes nothing", async () => {
    const before = await db().collection("services").find({}).sort({ _id: 1 }).toArray();
    const repositories = createRepositories(service.deps.repositories.database);
    await ensureIndexes(repositories);
    // Even without its marker (another instance racing it): the same teams, the same services.
    await db().collection("migrations").deleteMany({});
    await ensureIndexes(repositories);
    expect(await db().collection("teams").countDocuments()).toBe(seeded.length);
    const after = await db().collection("services").find({}).sort({ _id: 1 }).toArray();
    expect(after).toEqual(before);
  });

  it("reads a service an instance of the previous release stores later as in the default team", async () => {
    const [, globex] = seeded;
    if (!globex) throw new Error("no account");
    const now = new Date();
    await db().collection("services").insertOne({
      _id: new ObjectId(),
      accountId: globex.accountId,
      name: "Stored by an old instance",
      state: "active",
      createdAt: now,
      updatedAt: now,
    });
    const admin = clientFor(service, globex.adminSecret);
    const teamId = (await listTeams({ client: admin })).data?.items[0]?.id;
    const { data } = await listServices({ client: admin });
    expect(data?.items.map((item) => item.teamId)).toEqual([teamId, teamId]);
  });
});
