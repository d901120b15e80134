import { type Receiver, startReceiver, waitFor } from "@sqibs/testing";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { parseCidrList } from "@sqibs/webhooks";
import type { Db, Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startSweeper } from "../src/jobs/sweeper.js";
import { type Database, openDatabase } from "../src/repositories/database.js";
import { PAYLOAD_APART_BYTES } from "../src/repositories/incidents.js";
import {
  createRepositories,
  ensureIndexes,
  REPLACED_INDEXES,
  SHARD_KEYS,
} from "../src/repositories/index.js";
import { issueToken } from "../src/usecases/tokens.js";
import { startTestService, type TestService } from "./harness.js";
import { bearer, post } from "./ingest/support.js";

// docs/adr/0002-scaling.md: every collection has a shard key; every unique index starts with
// it (else a sharded cluster cannot enforce it, and MongoDB refuses to shard the collection).
// The indexes are read back from the database, so an index added later cannot break the rule
// unnoticed, and neither can a collection added without a shard key.

type ShardKey = Record<string, 1 | "hashed">;

async function indexesOf(db: Db): Promise<Map<string, Document[]>> {
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  const found = new Map<string, Document[]>();
  for (const { name } of collections) {
    found.set(name, await db.collection(name).listIndexes().toArray());
  }
  return found;
}

/** Whether the index's key fields start with the shard key's fields, in order. */
function prefixedBy(index: Document, shardKey: ShardKey): boolean {
  const fields = Object.keys(index.key as Document);
  return Object.keys(shardKey).every((field, at) => fields[at] === field);
}

describe("the shard-key rule, read from the database (ADR 0002)", () => {
  let service: TestService;
  let receiver: Receiver;
  let indexes: Map<string, Document[]>;

  beforeAll(async () => {
    receiver = await startReceiver();
    service = await startTestService("indexes", {
      dispatcher: true,
      WEBHOOK_ALLOW_HTTP: true,
      WEBHOOK_ALLOWED_CIDRS: parseCidrList("127.0.0.0/8"),
    });
    // Traffic that writes to every collection the service uses.
    const acme = await service.account({ accountName: "Every collection" });
    await service.configureService(acme, {
      filter: {
        triggers: [
          {
            urgency: "high",
            conditions: [{ key: "status", contains: ["firing"] }],
            correlationKey: "id",
            autoResolveAfterSeconds: 60,
          },
        ],
        resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "id" },
      },
    });
    const debug = await issueToken(service.deps, {
      accountId: acme.account.id,
      name: "debug",
      scope: "global",
      debug: true,
    });
    const json = { "content-type": "application/json", ...bearer(debug.secret) };
    // A team, and a webhook that every event goes to (the outbox and the dispatcher write).
    const admin = { "content-type": "application/json", ...bearer(acme.adminToken.secret) };
    const team = await post(service, {
      path: "/v1/teams",
      body: JSON.stringify({ name: "Platform" }),
      headers: admin,
    });
    expect(team.status).toBe(201);
    const webhook = await post(service, {
      path: "/v1/webhooks",
      body: JSON.stringify({
        scope: "global",
        url: `${receiver.origin}/`,
        events: ["incident.triggered", "incident.event_added", "incident.resolved"],
      }),
      headers: admin,
    });
    expect(webhook.status).toBe(201);
    for (const body of [
      { id: "a", status: "firing" },
      { id: "a", status: "firing", again: true },
      { id: "a", status: "resolved" },
    ]) {
      expect((await post(service, { body: JSON.stringify(body), headers: json })).status).toBe(
        body.status === "firing" && !body.again ? 201 : 200,
      );
    }
    // A payload large enough to be stored apart from its incident (incident_payloads).
    const large = { id: "large", status: "firing", text: "x".repeat(PAYLOAD_APART_BYTES) };
    expect((await post(service, { body: JSON.stringify(large), headers: json })).status).toBe(201);
    const request = await post(service, { path: "/v1/request", body: "r", headers: json });
    expect(request.status).toBe(201);
    await startSweeper(service.deps, 60_000).runOnce();
    await waitFor("the webhook's deliveries", () => receiver.received.length >= 3 || undefined);
    await service.deps.repositories.rateLimits.flushPending();
    indexes = await indexesOf(service.deps.repositories.database.db);
  });
  afterAll(async () => {
    await service.close();
    await receiver.close();
  });

  it("finds every declared collection written, and no collection without a shard key", () => {
    expect([...indexes.keys()].sort()).toEqual(Object.keys(SHARD_KEYS).sort());
  });

  it("prefixes every unique index with its collection's shard key", () => {
    const offending: string[] = [];
    for (const [collection, list] of indexes) {
      const shardKey: ShardKey = SHARD_KEYS[collection as keyof typeof SHARD_KEYS];
      for (const index of list) {
        if (index.name === "_id_" || !index.unique) continue;
        if (!prefixedBy(index, shardKey)) offending.push(`${collection}.${index.name}`);
      }
    }
    expect(offending).toEqual([]);
    // The rule has something to check: the unique indexes of incidents, requests and teams.
    const unique = [...indexes.values()].flat().filter((index) => index.unique);
    expect(unique.map((index) => index.name).sort()).toEqual([
      "accountId_1_deliveryId_1",
      "accountId_1_deliveryId_1",
      "accountId_1_nameKey_1",
      "accountId_1_number_1",
    ]);
  });

  it("has an index that supports every ranged shard key (hashed ones are made when sharding)", () => {
    const missing = Object.entries(SHARD_KEYS as Record<string, ShardKey>)
      .filter(([, key]) => !Object.values(key).includes("hashed"))
      .filter(([collection, key]) =>
        (indexes.get(collection) ?? []).every((index) => !prefixedBy(index, key)),
      )
      .map(([collection]) => collection);
    expect(missing).toEqual([]);
  });
});

describe("ensureIndexes on a database the previous release prepared", () => {
  let database: Database;

  beforeAll(async () => {
    database = openDatabase({
      uri: inject("mongodbUri"),
      dbName: uniqueDatabaseName("legacy_indexes"),
      timeoutMs: 5_000,
    });
    // The indexes the previous release created at start-up.
    const { db } = database;
    await Promise.all([
      db.collection("services").createIndex({ accountId: 1, _id: 1 }),
      db.collection("tokens").createIndex({ accountId: 1, _id: 1 }),
      db.collection("token_secrets").createIndex({ tokenId: 1 }),
      db.collection("incidents").createIndex({ accountId: 1, _id: -1 }),
      db.collection("incidents").createIndex({ accountId: 1, number: 1 }, { unique: true }),
      db.collection("incidents").createIndex({ serviceId: 1, correlationKey: 1, status: 1 }),
      db.collection("requests").createIndex({ accountId: 1, _id: -1 }),
      db.collection("api_logs").createIndex({ accountId: 1, _id: -1 }),
      db.collection("api_logs").createIndex({ accountId: 1, tokenId: 1, _id: -1 }),
      db.collection("incidents").createIndex({ deliveryId: 1 }, { unique: true }),
      db.collection("incidents").createIndex({ status: 1, autoResolveAfterSeconds: 1 }),
      db.collection("incident_events").createIndex({ incidentId: 1, at: 1 }),
      db.collection("requests").createIndex({ deliveryId: 1 }, { unique: true }),
      db.collection("deliveries").createIndex({ expiresAt: 1 }),
      db.collection("delivery_answers").createIndex({ expiresAt: 1 }),
      db.collection("rate_limit_windows").createIndex({ expiresAt: 1 }),
    ]);
  });
  afterAll(async () => {
    await database.db.dropDatabase();
    await database.close();
  });

  const names = async (collection: string) =>
    (await database.db.collection(collection).listIndexes().toArray()).map((index) => index.name);

  it("drops the indexes it replaces (the unprefixed unique ones too), twice without harm", async () => {
    const repositories = createRepositories(database);
    await ensureIndexes(repositories);
    await ensureIndexes(repositories);
    expect(repositories.database.indexesReady).toBe(true);
    for (const { collection, name } of REPLACED_INDEXES) {
      expect(await names(collection), `${collection}.${name}`).not.toContain(name);
    }
    expect(await names("incidents")).toEqual(
      expect.arrayContaining(["accountId_1_number_1", "accountId_1_deliveryId_1"]),
    );
    expect(await names("requests")).toContain("accountId_1_deliveryId_1");
  });

  it("keeps a delivery from being stored twice in one account with the new unique index", async () => {
    const requests = database.db.collection("requests");
    const doc = { accountId: "account-1", deliveryId: "delivery-1" };
    await requests.insertOne({ ...doc });
    await expect(requests.insertOne({ ...doc })).rejects.toMatchObject({ code: 11000 });
    // The same delivery id in another account is another delivery.
    await requests.insertOne({ ...doc, accountId: "account-2" });
  });
});
