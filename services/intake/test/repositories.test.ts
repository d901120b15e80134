import { startTcpProxy } from "@sqibs/testing";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import {
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
  MongoClient,
  ObjectId,
} from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { TtlCache } from "../src/repositories/cache.js";
import {
  type Database,
  isDatabaseUnavailable,
  isDuplicateKey,
  openDatabase,
} from "../src/repositories/database.js";
import { databaseClock } from "../src/repositories/database-clock.js";
import { deleteBatches } from "../src/repositories/delete-batches.js";
import { deliveriesRepository, SWEEP_PAGE } from "../src/repositories/deliveries.js";
import { incidentsRepository, type OpenOutcome } from "../src/repositories/incidents.js";
import { createRepositories, ensureIndexes, type Repositories } from "../src/repositories/index.js";
import { insertBatches } from "../src/repositories/insert-batches.js";
import { rateLimitsRepository } from "../src/repositories/rate-limits.js";
import { sleep } from "./hardening/support.js";

/** Transitions announce nothing here (outgoing webhooks have tests of their own). */
const quietly = async () => {};

const dbName = uniqueDatabaseName("repositories");
let database: Database;

beforeAll(() => {
  database = openDatabase({ uri: inject("mongodbUri"), dbName, timeoutMs: 2_000 });
});

afterAll(async () => {
  await database.db.dropDatabase();
  await database.close();
});

/** The commands sent while `run` runs, on a client of its own that watches them. */
async function watchCommands(run: (db: Db) => Promise<unknown>): Promise<CommandStartedEvent[]> {
  const client = new MongoClient(inject("mongodbUri"), { monitorCommands: true });
  const seen: CommandStartedEvent[] = [];
  client.on("commandStarted", (event: CommandStartedEvent) => seen.push(event));
  try {
    await run(client.db(dbName));
  } finally {
    await client.close();
  }
  return seen;
}

/**
 * The documents that the finds and getMores of `collection` returned while `run` ran on the
 * database `name`, on a client of its own that watches them.
 */
async function documentsRead(
  name: string,
  collection: string,
  run: (db: Db) => Promise<unknown>,
): Promise<number> {
  const client = new MongoClient(inject("mongodbUri"), { monitorCommands: true });
  const reads = new Set<number>();
  let documents = 0;
  client.on("commandStarted", (event: CommandStartedEvent) => {
    const { find, getMore, collection: more } = event.command;
    if (find === collection || (getMore !== undefined && more === collection)) {
      reads.add(event.requestId);
    }
  });
  client.on("commandSucceeded", (event: CommandSucceededEvent) => {
    if (!reads.has(event.requestId)) return;
    const { firstBatch, nextBatch } = (
      event.reply as { cursor: { firstBatch?: []; nextBatch?: [] } }
    ).cursor;
    documents += (firstBatch ?? nextBatch ?? []).length;
  });
  try {
    await run(client.db(name));
  } finally {
    await client.close();
  }
  return documents;
}

/** The insert commands sent while `run` runs, with their document counts. */
async function insertCommands(run: (db: Db) => Promise<unknown>): Promise<number[]> {
  const seen = await watchCommands(run);
  return seen
    .filter((event) => event.commandName === "insert")
    .map((event) => event.command.documents?.length ?? 0);
}

/** Runs `run` on a database reached through `proxy` (500 ms to find a server), then closes both. */
async function throughProxy<Proxy extends { uri: string; close(): Promise<void> }>(
  proxy: Proxy,
  run: (database: Database, proxy: Proxy) => Promise<void>,
) {
  const proxied = openDatabase({ uri: proxy.uri, dbName, timeoutMs: 500 });
  try {
    await proxied.ping();
    await run(proxied, proxy);
  } finally {
    await proxied.close();
    await proxy.close();
  }
}

describe("insert batches (group commit)", () => {
  it("sends concurrent inserts as few commands and stores every document", async () => {
    const batches = insertBatches();
    const commands = await insertCommands((db) => {
      const collection = db.collection<{ _id: string; n: number }>("batched");
      return Promise.all(
        Array.from({ length: 100 }, (_, n) => batches.insert(collection, { _id: `doc-${n}`, n })),
      );
    });
    const collection = database.db.collection("batched");
    expect(commands.reduce((sum, size) => sum + size, 0)).toBe(100);
    expect(commands.length).toBeLessThanOrEqual(2);
    expect(await collection.countDocuments()).toBe(100);
  });

  it("sends the inserts of one collection in one command, whichever repository's handle they come through", async () => {
    const batches = insertBatches();
    const commands = await insertCommands((db) =>
      Promise.all([
        batches.insert(db.collection<{ _id: string }>("batched_shared"), { _id: "open-claim" }),
        batches.insert(db.collection<{ _id: string }>("batched_shared"), { _id: "delivery" }),
      ]),
    );
    expect(commands).toEqual([2]);
    expect(await database.db.collection("batched_shared").countDocuments()).toBe(2);
  });

  it("sends large documents a few at a time: at most 8 MiB a command, one document at least", async () => {
    const batches = insertBatches();
    const mib = "x".repeat(1024 * 1024);
    const commands = await insertCommands((db) => {
      const collection = db.collection<{ _id: string; body: string }>("batched_large");
      return Promise.all([
        batches.insert(collection, { _id: "huge", body: mib.repeat(9) }),
        ...Array.from({ length: 12 }, (_, n) =>
          batches.insert(collection, { _id: `mib-${n}`, body: mib }),
        ),
      ]);
    });
    // The 9 MiB one alone, then the twelve 1 MiB ones by seven at most (7 MiB and a bit).
    expect(commands).toEqual([1, 7, 5]);
    expect(await database.db.collection("batched_large").countDocuments()).toBe(13);
  });

  it("rejects only the documents whose key is taken, inside one batch and against the stored", async () => {
    const batches = insertBatches();
    const collection = database.db.collection<{ _id: string; writer: number }>("claims");
    await collection.insertOne({ _id: "taken", writer: 0 });
    const keys = ["a", "taken", "b", "a", "c"];
    const results = await Promise.allSettled(
      keys.map((key, writer) => batches.insert(collection, { _id: key, writer: writer + 1 })),
    );
    const outcome = results.map((result) =>
      result.status === "fulfilled" ? "ok" : isDuplicateKey(result.reason) ? "duplicate" : "error",
    );
    expect(outcome).toEqual(["ok", "duplicate", "ok", "duplicate", "ok"]);
    const stored = await collection.find().sort({ _id: 1 }).toArray();
    expect(stored).toEqual([
      { _id: "a", writer: 1 },
      { _id: "b", writer: 3 },
      { _id: "c", writer: 5 },
      { _id: "taken", writer: 0 },
    ]);
  });

  it("sends a document alone as one insert and rejects it alone when its key is taken", async () => {
    const batches = insertBatches();
    const collection = database.db.collection<{ _id: string; writer: number }>("lone_claims");
    await collection.insertOne({ _id: "taken", writer: 0 });
    const commands = await insertCommands(async (db) => {
      const lone = db.collection<{ _id: string; writer: number }>("lone_claims");
      await batches.insert(lone, { _id: "free", writer: 1 });
      await batches.insert(lone, { _id: "taken", writer: 2 }).then(
        () => expect.unreachable("a taken key was inserted"),
        (error: unknown) => expect(isDuplicateKey(error)).toBe(true),
      );
    });
    expect(commands).toEqual([1, 1]);
    expect(await collection.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: "free", writer: 1 },
      { _id: "taken", writer: 0 },
    ]);
  });

  it("fails every caller of a batch the database never acknowledged, then works again", async () =>
    throughProxy(await startTcpProxy(inject("mongodbUri")), async (cutOff, proxy) => {
      const batches = insertBatches();
      const collection = cutOff.db.collection<{ _id: string }>("outage");
      await proxy.cut();
      const results = await Promise.allSettled(
        ["x", "y", "z"].map((key) => batches.insert(collection, { _id: key })),
      );
      expect(results.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
      for (const result of results) {
        // The service answers 503 (not 500) to what isDatabaseUnavailable recognizes.
        if (result.status === "rejected") {
          expect(isDatabaseUnavailable(result.reason)).toBe(true);
        }
      }
      await proxy.restore();
      await expect
        .poll(() => batches.insert(collection, { _id: "after" }).then(() => "stored"), {
          timeout: 15_000,
          interval: 250,
        })
        .toBe("stored");
      const stored = await database.db.collection<{ _id: string }>("outage").find().toArray();
      expect(stored.map((doc) => doc._id)).toContain("after");
    }));

  it("fails what is queued behind a command that found the database unreachable, unsent", async () =>
    throughProxy(await startTcpProxy(inject("mongodbUri")), async (frozen, proxy) => {
      const batches = insertBatches();
      const first = frozen.db.collection<{ _id: string }>("queued_first");
      const second = frozen.db.collection<{ _id: string }>("queued_second");
      // A lone document is sent with insertOne, a batch with insertMany: count both.
      const spies = [first, second].map((collection) => [
        vi.spyOn(collection, "insertOne"),
        vi.spyOn(collection, "insertMany"),
      ]);
      const sent = () =>
        spies.map((pair) => pair.reduce((sum, spy) => sum + spy.mock.calls.length, 0));
      // A database that stops answering: the first command hangs until the driver gives up.
      proxy.freeze();
      const inFlight = batches.insert(first, { _id: "in flight" });
      await new Promise((resolve) => setImmediate(resolve));
      expect(sent()).toEqual([1, 0]);
      const queued = [
        batches.insert(first, { _id: "queued" }),
        batches.insert(second, { _id: "queued" }),
      ];
      const results = await Promise.allSettled([inFlight, ...queued]);
      for (const result of results) {
        expect(result.status).toBe("rejected");
        if (result.status === "rejected") expect(isDatabaseUnavailable(result.reason)).toBe(true);
      }
      // Each queued batch would have waited out the timeout again.
      expect(sent()).toEqual([1, 0]);
      proxy.thaw();
    }));
});

describe("delete batches", () => {
  it("sends concurrent deletes as one command and deletes each document only if it matches its own filter", async () => {
    type Entry = { _id: string; round: number };
    const ids = Array.from({ length: 30 }, (_, n) => `entry-${n}`);
    await database.db
      .collection<Entry>("batched_deletes")
      .insertMany(ids.map((_id, n) => ({ _id, round: n % 3 === 0 ? 2 : 1 })));
    const deletes = deleteBatches();
    // Asked for in rounds 2, 1 and 3 in turn: the entries asked for in round 3 are in round
    // 1 (another round than the caller's) and stay.
    const seen = await watchCommands((db) => {
      const collection = db.collection<Entry>("batched_deletes");
      return Promise.all(
        ids.map((_id, n) => deletes.delete(collection, { _id, round: [2, 1, 3][n % 3] })),
      );
    });
    expect(seen.filter((event) => event.commandName === "delete")).toHaveLength(1);
    const left = await database.db.collection<Entry>("batched_deletes").find().toArray();
    expect(left.map((entry) => entry._id).sort()).toEqual(ids.filter((_, n) => n % 3 === 2).sort());
  });
});

describe("a delivery's lease", () => {
  it("renews it by its `_id`, one command at a time on a database slower than the renewals, and leaves none queued once stopped", async () => {
    const proxy = await startTcpProxy(inject("mongodbUri"));
    // No retried writes: each renewal is one command started.
    const client = new MongoClient(proxy.uri, { monitorCommands: true, retryWrites: false });
    const renewals: CommandStartedEvent[] = [];
    client.on("commandStarted", (event: CommandStartedEvent) => {
      if (event.commandName === "update" && event.command.update === "deliveries") {
        renewals.push(event);
      }
    });
    try {
      const db = client.db(dbName);
      const leaseMs = 300;
      const deliveries = deliveriesRepository(db, insertBatches(), databaseClock(db), leaseMs);
      const claim = await deliveries.claim("slow-renewals", 60_000, "fingerprint");
      expect(claim.role).toBe("owner");
      if (claim.role !== "owner") return;
      // A database that answers nothing for ten renewal intervals: the first renewal hangs.
      proxy.freeze();
      const stopRenewing = deliveries.keepLease("slow-renewals", claim);
      await sleep(10 * (leaseMs / 3));
      expect(renewals).toHaveLength(1);
      // By `_id` alone, which FerretDB looks up instead of scanning every delivery.
      expect(renewals[0]?.command.updates[0].q).toEqual({ _id: "slow-renewals" });
      const stopped = stopRenewing();
      // The hung renewal's connection is dropped: it fails, and stopping waits for nothing else.
      proxy.thaw();
      await stopped;
      await sleep(3 * (leaseMs / 3));
      expect(renewals).toHaveLength(1);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});

describe("taking a delivery over", () => {
  const MINUTE = 60_000;

  /** The filters of the commands sent to the deliveries' collections, by command. */
  function deliveryFilters(commands: CommandStartedEvent[]): Array<[string, object]> {
    const collections = ["deliveries", "delivery_takeovers"];
    return commands.flatMap((event): Array<[string, object]> => {
      const { command, commandName } = event;
      if (!collections.includes(command[commandName])) return [];
      if (commandName === "find") return [[commandName, command.filter]];
      if (commandName === "update")
        return command.updates.map((u: { q: object }) => [commandName, u.q]);
      if (commandName === "delete")
        return command.deletes.map((d: { q: object }) => [commandName, d.q]);
      if (commandName === "findAndModify") return [[commandName, command.query]];
      return [];
    });
  }

  it("takes an expired delivery and one whose owner died over by `_id` alone", async () => {
    const leaseMs = 200;
    const owned = async (db: Db, key: string, windowMs: number) => {
      const claim = await deliveriesRepository(
        db,
        insertBatches(),
        databaseClock(db),
        leaseMs,
      ).claim(key, windowMs, "fingerprint");
      if (claim.role !== "owner") throw new Error("not the owner");
      return claim;
    };
    const expired = await owned(database.db, "takeover-expired", 1);
    const abandoned = await owned(database.db, "takeover-lease", MINUTE);
    await sleep(leaseMs + 50);
    const claims: unknown[] = [];
    const commands = await watchCommands(async (db) => {
      const deliveries = deliveriesRepository(db, insertBatches(), databaseClock(db), leaseMs);
      claims.push(await deliveries.claim("takeover-expired", MINUTE, "fingerprint"));
      claims.push(await deliveries.claim("takeover-lease", MINUTE, "fingerprint"));
    });
    expect(claims).toEqual([
      expect.objectContaining({
        role: "owner",
        generation: expect.not.stringMatching(expired.generation),
      }),
      expect.objectContaining({ role: "owner", generation: abandoned.generation }),
    ]);
    const filters = deliveryFilters(commands);
    expect(filters.map(([name]) => name)).toContain("update");
    for (const [, filter] of filters) expect(Object.keys(filter)).toEqual(["_id"]);
  });

  it.each([
    ["expired", 1],
    ["whose owner died", MINUTE],
  ])(
    "gives a delivery %s to exactly one of many retries at once; the others replay its answer",
    async (_, windowMs) => {
      const leaseMs = 300;
      const key = `race-${windowMs}`;
      const repository = () =>
        deliveriesRepository(database.db, insertBatches(), databaseClock(database.db), leaseMs);
      const first = await repository().claim(key, windowMs, "fingerprint");
      expect(first.role).toBe("owner");
      await sleep(leaseMs + 50);
      // Each retry from an instance of its own.
      const retries = Array.from({ length: 8 }, () =>
        repository().claim(key, MINUTE, "fingerprint"),
      );
      const owner = await Promise.race(retries);
      if (owner.role !== "owner") throw new Error(`the first to settle is a ${owner.role}`);
      const stopRenewing = repository().keepLease(key, owner);
      await sleep(2 * leaseMs);
      await repository().complete(owner, 201, '{"won":true}');
      await stopRenewing();
      const settled = await Promise.all(retries);
      expect(settled.filter((claim) => claim.role === "owner")).toEqual([owner]);
      for (const claim of settled.filter((c) => c !== owner)) {
        expect(claim).toEqual({
          role: "replay",
          generation: owner.generation,
          status: 201,
          response: '{"won":true}',
        });
      }
    },
  );

  it("takes a delivery over once the takeover's winner died before taking it (its lease ran out)", async () => {
    const leaseMs = 200;
    const key = "takeover-winner-died";
    const deliveries = deliveriesRepository(
      database.db,
      insertBatches(),
      databaseClock(database.db),
      leaseMs,
    );
    const first = await deliveries.claim(key, MINUTE, "fingerprint");
    if (first.role !== "owner") throw new Error("not the owner");
    const now = await databaseClock(database.db).now();
    // A takeover of the first owner won a lease ago, the delivery never updated.
    await database.db
      .collection<{ _id: string; createdAt: Date; expiresAt: Date }>("delivery_takeovers")
      .insertOne({
        _id: `${key}:${first.generation}`,
        createdAt: new Date(now.getTime() - 2 * leaseMs),
        expiresAt: new Date(now.getTime() + MINUTE),
      });
    await sleep(leaseMs + 50);
    const retry = await deliveries.claim(key, MINUTE, "fingerprint");
    expect(retry).toMatchObject({ role: "owner", generation: first.generation });
    const takeovers = await database.db
      .collection<{ _id: string }>("delivery_takeovers")
      .find({ _id: { $in: [`${key}:${first.generation}`, `${key}:${first.generation}:2`] } })
      .toArray();
    expect(takeovers.map((doc) => doc._id).sort()).toEqual([
      `${key}:${first.generation}`,
      `${key}:${first.generation}:2`,
    ]);
  });
});

describe("a delivery's generation", () => {
  const MINUTE = 60_000;

  it("is the one the caller chose for a new delivery, and the stored one for a retry", async () => {
    const deliveries = deliveriesRepository(
      database.db,
      insertBatches(),
      databaseClock(database.db),
    );
    const key = `chosen-generation-${new ObjectId().toHexString()}`;
    const chosen = new ObjectId().toHexString();
    const first = await deliveries.claim(key, MINUTE, "fingerprint", { generation: chosen });
    expect(first).toMatchObject({ role: "owner", generation: chosen });
    const stored = await database.db
      .collection<{ _id: string; generation: ObjectId }>("deliveries")
      .findOne({ _id: key });
    expect(stored?.generation.toHexString()).toBe(chosen);
    if (first.role !== "owner") return;
    await deliveries.complete(first, 201, "{}");
    // A retry chooses another: it replays the first delivery's, under the stored generation.
    const retry = await deliveries.claim(key, MINUTE, "fingerprint", {
      generation: new ObjectId().toHexString(),
    });
    expect(retry).toEqual({ role: "replay", generation: chosen, status: 201, response: "{}" });
  });
});

describe("expired deliveries", () => {
  const MINUTE = 60_000;

  /** Claimed (and answered) deliveries, `expired` of them with a window long past. */
  async function claimed(db: Db, prefix: string, windows: number[]) {
    const deliveries = deliveriesRepository(db, insertBatches(), databaseClock(db));
    for (const [n, windowMs] of windows.entries()) {
      const claim = await deliveries.claim(`${prefix}-${n}`, windowMs, "fingerprint");
      if (claim.role !== "owner") throw new Error("not the owner");
      await deliveries.complete(claim, 201, "{}");
    }
    return deliveries;
  }

  const keysIn = async (name: string, prefix: string) =>
    (await database.db.collection<{ _id: string }>(name).find({}).toArray())
      .map((doc) => doc._id)
      .filter((id) => String(id).startsWith(prefix));

  it("forgets the expired ones by _id, reading from the front, and keeps the live ones", async () => {
    // Live, expired, live, expired, expired: in insertion order.
    const windows = [60 * MINUTE, 1, 60 * MINUTE, 1, 1];
    const deliveries = await claimed(database.db, "sweep", windows);
    const answers = database.db.collection("delivery_answers");
    const answersBefore = await answers.countDocuments();
    await sleep(20);

    let deleted = 0;
    const commands = await watchCommands(async (db) => {
      deleted = await deliveriesRepository(db, insertBatches(), databaseClock(db)).deleteExpired();
    });
    expect(deleted).toBe(3);
    expect(await keysIn("deliveries", "sweep")).toEqual(["sweep-0", "sweep-2"]);
    expect(await answers.countDocuments()).toBe(answersBefore - 3);
    // A find without filter or sort (FerretDB reads the first documents), deletes by _id.
    const finds = commands.filter((event) => event.commandName === "find");
    expect(finds.map((event) => event.command.filter)).toEqual([{}, {}, {}]);
    const deletes = commands.flatMap((event) =>
      event.commandName === "delete" ? (event.command.deletes as Array<{ q: object }>) : [],
    );
    const sweptHere = commands.filter(
      (event) => event.commandName === "delete" && event.command.delete !== "delivery_takeovers",
    );
    // A page's expired ones in one delete, of deliveries and of answers.
    expect(sweptHere.flatMap((event) => event.command.deletes)).toHaveLength(2);
    // By _id, still expired: a delivery taken over since the read has a new expiry and stays.
    for (const { q } of deletes) expect(Object.keys(q)).toEqual(["_id", "expiresAt"]);
    // The live ones are still claimed: their key is a replay, not a new delivery.
    expect((await deliveries.claim("sweep-0", MINUTE, "fingerprint")).role).toBe("replay");
  });

  it("reads past the open-incident claims at the front, which stay, to the expired deliveries behind them", async () => {
    // A database of its own: the deliveries of the tests above are at the front of this one.
    const db = database.client.db(uniqueDatabaseName("sweep_claims"));
    try {
      const batches = insertBatches();
      const clock = databaseClock(db);
      const incidents = incidentsRepository(db, batches, clock);
      const serviceId = new ObjectId().toHexString();
      // More than a page of claims (SWEEP_PAGE) before the first delivery.
      const claims = SWEEP_PAGE + 200;
      const won = await Promise.all(
        Array.from({ length: claims }, (_, n) =>
          incidents.claimOpen(serviceId, `group-${n}`, new ObjectId().toHexString()),
        ),
      );
      expect(won.every(Boolean)).toBe(true);
      const deliveries = await claimed(db, "behind-claims", [1, 1, 1]);
      await sleep(20);

      expect(await deliveries.deleteExpired()).toBe(3);
      const stored = db.collection<{ _id: string; expiresAt?: Date }>("deliveries");
      expect(await stored.countDocuments({ expiresAt: { $exists: true } })).toBe(0);
      expect(await stored.countDocuments({ incidentId: { $exists: true } })).toBe(claims);
      // Nothing expired is left: the next sweep reads past the claims, deleting nothing, and
      // reads each once (pages of one cursor, not each page again from the front).
      let deleted: number | undefined;
      const read = await documentsRead(db.databaseName, "deliveries", async (watched) => {
        deleted = await deliveriesRepository(
          watched,
          batches,
          databaseClock(watched),
        ).deleteExpired();
      });
      expect(deleted).toBe(0);
      expect(read).toBe(claims);
      expect(await deliveries.deleteAllExpired()).toBe(0);
      expect(await stored.countDocuments()).toBe(claims);
    } finally {
      await db.dropDatabase();
    }
  });

  it("forgets every expired one, behind live ones too, in the hourly pass", async () => {
    const deliveries = await claimed(database.db, "hourly", [60 * MINUTE, 1]);
    await sleep(20);
    await deliveries.deleteAllExpired();
    expect(await keysIn("deliveries", "hourly")).toEqual(["hourly-0"]);
  });

  it("forgets more expired ones in the hourly pass than SQLite binds in one statement, a page at a time", async () => {
    // More than 32,766, which one deleteMany by `expiresAt` sent in one statement on FerretDB.
    const expired = 33_000;
    const db = database.client.db(uniqueDatabaseName("sweep_hourly"));
    try {
      const deliveries = await claimed(db, "live", [60 * MINUTE]);
      const stored = db.collection<{ _id: string }>("deliveries");
      const past = new Date(Date.now() - MINUTE);
      for (let from = 0; from < expired; from += 5_000) {
        await stored.insertMany(
          Array.from({ length: Math.min(5_000, expired - from) }, (_, n) => ({
            _id: `expired-${from + n}`,
            generation: new ObjectId(),
            fingerprint: "fingerprint",
            createdAt: past,
            expiresAt: past,
            leaseUntil: past,
          })),
        );
      }

      let deleted = 0;
      const commands = await watchCommands(async (watched) => {
        deleted = await deliveriesRepository(
          watched.client.db(db.databaseName),
          insertBatches(),
          databaseClock(watched),
        ).deleteAllExpired();
      });
      expect(deleted).toBe(expired);
      expect(
        await stored
          .find({})
          .map((doc) => doc._id)
          .toArray(),
      ).toEqual(["live-0"]);
      const pages = commands
        .filter((event) => event.commandName === "delete" && event.command.delete === "deliveries")
        .flatMap((event) => event.command.deletes as Array<{ q: { _id: { $in: string[] } } }>);
      expect(pages).toHaveLength(Math.ceil(expired / SWEEP_PAGE));
      for (const { q } of pages) expect(q._id.$in.length).toBeLessThanOrEqual(SWEEP_PAGE);
      expect((await deliveries.claim("live-0", MINUTE, "fingerprint")).role).toBe("replay");
    } finally {
      await db.dropDatabase();
    }
  });
});

describe("incident numbers across instances", () => {
  /** An incident of the account, as ingest hands it to the repository. */
  const newIncident = (accountId: string, serviceId: string, n: number) =>
    [
      {
        accountId,
        serviceId,
        title: `Incident ${n}`,
        description: "",
        urgency: "high" as const,
        status: "triggered" as const,
        payload: { contentType: "text/plain", body: Buffer.from(`alert ${n}`) },
        createdAt: new Date(),
        updatedAt: new Date(),
        deliveryId: `delivery-${accountId}-${n}`,
      },
      { at: new Date(), type: "triggered" as const, actor: "test" },
      quietly,
    ] as const;

  /** The numbers of the account's stored incidents, in ascending order. */
  async function storedNumbers(accountId: string): Promise<number[]> {
    const stored = await database.db
      .collection<{ number: number }>("incidents")
      .find({ accountId: new ObjectId(accountId) })
      .toArray();
    return stored.map((doc) => doc.number).sort((a, b) => a - b);
  }

  /** 1, 2, ... n */
  const upTo = (n: number) => Array.from({ length: n }, (_, index) => index + 1);

  /** The opening of a new delivery (ingest's first attempt at it), its incident's id chosen. */
  const newDelivery = () => ({ id: new ObjectId().toHexString(), earlierId: null });

  /** What each read of `incidents` among the commands filtered by, and whether it sorted. */
  const incidentReads = (commands: CommandStartedEvent[]) =>
    commands
      .filter((event) => event.commandName === "find" && event.command.find === "incidents")
      .map((event) => ({
        filter: Object.keys(event.command.filter),
        sorted: event.command.sort !== undefined,
      }));

  /** How many incidents the commands tried to insert (each collision one more). */
  const incidentsSent = (commands: CommandStartedEvent[]) =>
    commands
      .filter((event) => event.commandName === "insert" && event.command.insert === "incidents")
      .reduce((sum, event) => sum + event.command.documents.length, 0);

  /** A new instance on its own client, and the commands its repositories sent. */
  async function restartedInstance(run: (instance: Repositories) => Promise<unknown>) {
    return watchCommands((db) => run(createRepositories({ ...database, db, indexesReady: true })));
  }

  /** A new account whose first `count` incidents an instance opened and then stopped. */
  async function accountNumberedUpTo(count: number) {
    const before = createRepositories(database);
    await ensureIndexes(before);
    const accountId = new ObjectId().toHexString();
    const serviceId = new ObjectId().toHexString();
    for (let n = 0; n < count; n += 1) {
      await before.incidents.openOrAppend(...newIncident(accountId, serviceId, n));
    }
    await before.incidents.flushNumberHints();
    return { accountId, serviceId };
  }

  it("numbers every incident of an account once when two instances create them at the same time", async () => {
    const first = createRepositories(database);
    const second = createRepositories(database);
    await ensureIndexes(first);
    const accountId = new ObjectId().toHexString();
    const serviceId = new ObjectId().toHexString();
    const open = (instance: typeof first, n: number) =>
      instance.incidents.openOrAppend(...newIncident(accountId, serviceId, n));
    // Each instance reads where numbering stands once, then hands out numbers from memory:
    // the second instance's first numbers are taken by the first's, and it skips past them.
    const opened = [await open(first, 0), await open(second, 1)];
    opened.push(
      ...(await Promise.all(
        Array.from({ length: 60 }, (_, n) => open(n % 2 === 0 ? first : second, n + 2)),
      )),
    );
    const numbers = opened.map((outcome) => outcome.incident.number);
    expect(numbers.slice(0, 2)).toEqual([1, 2]);
    expect(new Set(numbers).size).toBe(62);
    expect(await storedNumbers(accountId)).toEqual(upTo(62));
  });

  it("continues after a restart from where numbering stood, read by _id, without reading the incidents", async () => {
    const { accountId, serviceId } = await accountNumberedUpTo(5);

    let number = 0;
    const commands = await restartedInstance(async (after) => {
      const opened = await after.incidents.openOrAppend(...newIncident(accountId, serviceId, 5));
      number = opened.incident.number;
    });
    expect(number).toBe(6);
    const reads = commands.filter((event) => event.commandName === "find");
    expect(reads.map((event) => event.command.find)).not.toContain("incidents");
    expect(reads.map((event) => event.command.find)).toContain("incident_number_hints");
    expect(await storedNumbers(accountId)).toEqual(upTo(6));
  });

  it("continues after the highest number when the restart finds the hint behind (a crash) or missing (stored before hints)", async () => {
    const hints = database.db.collection<{ _id: string; last: number }>("incident_number_hints");
    for (const hint of ["behind", "missing"] as const) {
      const { accountId, serviceId } = await accountNumberedUpTo(4);
      // What a crash leaves: numbers stored after the last hint was written.
      if (hint === "behind") await hints.updateOne({ _id: accountId }, { $set: { last: 2 } });
      else await hints.deleteOne({ _id: accountId });

      const after = createRepositories(database);
      const opened = await Promise.all(
        [4, 5, 6].map((n) => after.incidents.openOrAppend(...newIncident(accountId, serviceId, n))),
      );
      expect(opened.map((outcome) => outcome.incident.number).sort()).toEqual([5, 6, 7]);
      expect(await storedNumbers(accountId)).toEqual(upTo(7));
      await after.incidents.flushNumberHints();
      expect(await hints.findOne({ _id: accountId })).toMatchObject({ last: 7 });
    }
  });

  it("skips the numbers another instance stored past the account's hint without reading an incident", async () => {
    const { accountId, serviceId } = await accountNumberedUpTo(4);
    // 3 and 4 stored by an instance that has not written its hint since.
    await database.db
      .collection<{ _id: string; last: number }>("incident_number_hints")
      .updateOne({ _id: accountId }, { $set: { last: 2 } });

    let number = 0;
    const commands = await restartedInstance(async (after) => {
      const opening = newDelivery();
      const opened = await after.incidents.openOrAppend(
        ...newIncident(accountId, serviceId, 4),
        opening,
      );
      expect(opened.incident.id).toBe(opening.id);
      number = opened.incident.number;
    });
    expect(number).toBe(5);
    expect(incidentsSent(commands)).toBe(3);
    expect(incidentReads(commands)).toEqual([]);
    expect(await storedNumbers(accountId)).toEqual(upTo(5));
  });

  it("reads the highest number once an opening collided four times in a row, and never its delivery when it is new", async () => {
    const { accountId, serviceId } = await accountNumberedUpTo(6);
    await database.db
      .collection<{ _id: string }>("incident_number_hints")
      .deleteOne({ _id: accountId });

    let number = 0;
    const commands = await restartedInstance(async (after) => {
      const opened = await after.incidents.openOrAppend(
        ...newIncident(accountId, serviceId, 6),
        newDelivery(),
      );
      number = opened.incident.number;
    });
    expect(number).toBe(7);
    expect(incidentsSent(commands)).toBe(5);
    expect(incidentReads(commands)).toEqual([{ filter: ["accountId"], sorted: true }]);
    expect(await storedNumbers(accountId)).toEqual(upTo(7));
  });

  it("gives a retried delivery its stored incident: looked up by its _id when it has the same or knows the first attempt's, by its delivery when another", async () => {
    const { accountId, serviceId } = await accountNumberedUpTo(2);
    const first = await createRepositories(database).incidents.openOrAppend(
      ...newIncident(accountId, serviceId, 2),
      newDelivery(),
    );
    const byId = [{ filter: ["_id"], sorted: false }];
    const retries = [
      { opening: { id: first.incident.id }, reads: byId },
      // A takeover of the first attempt: its presumed answer named the incident's id.
      { opening: { id: new ObjectId().toHexString(), earlierId: first.incident.id }, reads: byId },
      // A takeover of an owner that presumed nothing.
      {
        opening: { id: new ObjectId().toHexString() },
        reads: [...byId, { filter: ["accountId", "deliveryId"], sorted: false }],
      },
    ];
    for (const retry of retries) {
      let outcome: OpenOutcome | undefined;
      const commands = await restartedInstance(async (after) => {
        outcome = await after.incidents.openOrAppend(
          ...newIncident(accountId, serviceId, 2),
          retry.opening,
        );
      });
      expect(outcome?.incident).toMatchObject({ id: first.incident.id, number: 3 });
      expect(incidentReads(commands)).toEqual(retry.reads);
    }
    const stored = await database.db.collection("incidents").countDocuments({
      accountId: new ObjectId(accountId),
      deliveryId: `delivery-${accountId}-2`,
    });
    expect(stored).toBe(1);
  });

  it("skips a number another instance took when a takeover's first attempt stored nothing: its incident read by the _id that attempt chose, never its delivery", async () => {
    const { accountId, serviceId } = await accountNumberedUpTo(4);
    // 3 and 4 stored by an instance that has not written its hint since.
    await database.db
      .collection<{ _id: string; last: number }>("incident_number_hints")
      .updateOne({ _id: accountId }, { $set: { last: 2 } });
    const chosenBefore = new ObjectId().toHexString();

    let outcome: OpenOutcome | undefined;
    const opening = { id: new ObjectId().toHexString(), earlierId: chosenBefore };
    const commands = await restartedInstance(async (after) => {
      outcome = await after.incidents.openOrAppend(
        ...newIncident(accountId, serviceId, 4),
        opening,
      );
    });
    expect(outcome?.incident).toMatchObject({ id: opening.id, number: 5 });
    expect(incidentsSent(commands)).toBe(3);
    expect(incidentReads(commands)).toEqual([
      { filter: ["_id"], sorted: false },
      { filter: ["_id"], sorted: false },
    ]);
    const reads = commands.filter((event) => event.command.find === "incidents");
    for (const read of reads) expect(read.command.filter._id.toHexString()).toBe(chosenBefore);
    expect(await storedNumbers(accountId)).toEqual(upTo(5));
  });

  it("stores each new delivery's incident once, numbered without gaps, when two instances open them at the same time, reading no delivery", async () => {
    const accountId = new ObjectId().toHexString();
    const serviceId = new ObjectId().toHexString();
    const openings = Array.from({ length: 62 }, newDelivery);
    const opened: OpenOutcome[] = [];
    const commands = await watchCommands(async (db) => {
      const first = createRepositories({ ...database, db, indexesReady: true });
      const second = createRepositories({ ...database, db, indexesReady: true });
      const open = (n: number) =>
        (n % 2 === 0 ? first : second).incidents.openOrAppend(
          ...newIncident(accountId, serviceId, n),
          openings[n],
        );
      // The second instance's first number is taken by the first's: it collides from the start.
      opened.push(await open(0), await open(1));
      opened.push(...(await Promise.all(upTo(60).map((n) => open(n + 1)))));
    });
    expect(opened.map((outcome) => outcome.incident.id)).toEqual(openings.map(({ id }) => id));
    expect(await storedNumbers(accountId)).toEqual(upTo(62));
    const deliveries = await database.db
      .collection<{ deliveryId: string }>("incidents")
      .distinct("deliveryId", { accountId: new ObjectId(accountId) });
    expect(deliveries).toHaveLength(62);
    expect(incidentsSent(commands)).toBeGreaterThan(62);
    // Only reads of the highest number, after four collisions in a row of one opening.
    for (const read of incidentReads(commands)) {
      expect(read).toEqual({ filter: ["accountId"], sorted: true });
    }
  });

  it("gives unique numbers, without gaps, when two restarted instances number one account at once", async () => {
    const { accountId, serviceId } = await accountNumberedUpTo(3);
    const first = createRepositories(database);
    const second = createRepositories(database);
    const opened = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        (n % 2 === 0 ? first : second).incidents.openOrAppend(
          ...newIncident(accountId, serviceId, n + 3),
        ),
      ),
    );
    expect(new Set(opened.map((outcome) => outcome.incident.number)).size).toBe(40);
    expect(await storedNumbers(accountId)).toEqual(upTo(43));
  });
});

describe("rate-limit windows", () => {
  const MINUTE = 60_000;
  const windowStart = Math.floor(Date.now() / MINUTE) * MINUTE;
  /** The database's count of a token's window. */
  const counted = (id: string) =>
    database.db
      .collection<{ _id: string; count: number }>("rate_limit_windows")
      .findOne({ _id: `token:${id}:${windowStart}` })
      .then((doc) => doc?.count ?? 0);

  it("counts a window far from its limit in memory, and adds it to the database soon after", async () => {
    const id = new ObjectId().toHexString();
    let returned: number[] = [];
    const commands = await watchCommands(async (db) => {
      const limits = rateLimitsRepository(db);
      returned = [];
      for (let i = 0; i < 40; i++)
        returned.push(await limits.hit("token", id, windowStart, MINUTE, 1_000));
      await expect.poll(() => counted(id)).toBe(40);
    });
    expect(returned).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const updates = commands.filter((event) => event.commandName === "findAndModify");
    expect(updates.length).toBeLessThan(10);
  });

  it("loses no hit when many arrive at once near the limit (one update of a window at a time)", async () => {
    const id = new ObjectId().toHexString();
    const limits = rateLimitsRepository(database.db);
    const returned = await Promise.all(
      Array.from({ length: 20 }, () => limits.hit("token", id, windowStart, MINUTE, 10)),
    );
    expect(Math.max(...returned)).toBe(20);
    expect(returned.filter((count) => count > 10).length).toBeGreaterThanOrEqual(10);
    expect(await counted(id)).toBe(20);
  });

  it("sends the hits counted only in memory when asked to flush (at shutdown)", async () => {
    const id = new ObjectId().toHexString();
    const limits = rateLimitsRepository(database.db);
    // The first hit is counted in the database, the other two in memory until a flush.
    for (let i = 0; i < 3; i++) await limits.hit("token", id, windowStart, MINUTE, 1_000);
    await limits.flushPending();
    expect(await counted(id)).toBe(3);
  });

  it("forgets a past window's hits not yet sent when it deletes past windows", async () => {
    const id = new ObjectId().toHexString();
    const limits = rateLimitsRepository(database.db);
    // The first hit is counted in the database, the second waits in memory for the next flush.
    expect(await limits.hit("token", id, windowStart, MINUTE, 1_000)).toBe(1);
    expect(await limits.hit("token", id, windowStart, MINUTE, 1_000)).toBe(2);
    await limits.deleteExpired(new Date(windowStart + MINUTE));
    expect(await counted(id)).toBe(0);
    // Flushed after the delete, that hit would bring the past window back.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await counted(id)).toBe(0);
  });

  it("asks the database for every hit from half the limit on, so two instances share it", async () => {
    const id = new ObjectId().toHexString();
    const first = rateLimitsRepository(database.db);
    const second = rateLimitsRepository(database.db);
    const returned: number[] = [];
    for (let i = 0; i < 8; i++) {
      const instance = i % 2 === 0 ? first : second;
      returned.push(await instance.hit("token", id, windowStart, MINUTE, 6));
    }
    // Below half the limit an instance may not have seen the other's latest hits yet; from
    // there on every count is the database's, and the 7th and 8th calls are over the limit.
    expect(returned.slice(-2)).toEqual([7, 8]);
    expect(await counted(id)).toBe(8);
  });
});

describe("the hot-read cache", () => {
  it("gives concurrent misses of one key one load, and keeps what it loaded", async () => {
    const cache = new TtlCache<number>(60_000);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 42;
    };
    const values = await Promise.all(Array.from({ length: 64 }, () => cache.through("k", load)));
    expect(values).toEqual(Array.from({ length: 64 }, () => 42));
    expect(loads).toBe(1);
    expect(await cache.through("k", load)).toBe(42);
    expect(loads).toBe(1);
  });

  it("when full, drops only the entry set longest ago (a refreshed key counts as new)", () => {
    const cache = new TtlCache<number>(60_000, 3);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    cache.set("a", 10);
    cache.set("d", 4);
    expect(cache.get("b")).toBeUndefined();
    expect([cache.get("a"), cache.get("c"), cache.get("d")]).toEqual([10, 3, 4]);
    for (let key = 0; key < 100; key += 1) cache.set(`flood-${key}`, key);
    expect(cache.get("flood-99")).toBe(99);
    expect(cache.get("flood-97")).toBe(97);
    expect(cache.get("flood-96")).toBeUndefined();
  });

  it("drops expired entries from memory with no further read, and keeps the others", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      const cache = new TtlCache<string>(1_000);
      cache.set("quiet", "a deleted webhook's secret");
      vi.advanceTimersByTime(600);
      cache.set("busy", "kept");
      vi.advanceTimersByTime(400);
      expect([cache.holds("quiet"), cache.holds("busy")]).toEqual([false, true]);
      vi.advanceTimersByTime(600);
      expect(cache.holds("busy")).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps its entries for their lifetime whatever the wall clock does (NTP step, resumed VM)", () => {
    // The wall clock (Date) steps; the monotonic one (performance) and the timers run on.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance", "Date"] });
    try {
      const hour = 3_600_000;
      const cache = new TtlCache<string>(1_000);
      cache.set("k", "v");
      vi.setSystemTime(Date.now() + hour);
      expect(cache.get("k")).toBe("v");
      vi.advanceTimersByTime(999);
      expect(cache.get("k")).toBe("v");
      vi.advanceTimersByTime(1);
      expect([cache.get("k"), cache.holds("k")]).toEqual([undefined, false]);

      cache.set("k", "w");
      vi.setSystemTime(Date.now() - hour);
      vi.advanceTimersByTime(999);
      expect(cache.get("k")).toBe("w");
      vi.advanceTimersByTime(1);
      // Neither read nor left in memory (the timer's sweep reads the same clock).
      expect(cache.holds("k")).toBe(false);
      expect(cache.get("k")).toBeUndefined();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("drops them by a timer that never keeps the process alive", () => {
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === "Timeout");
    const before = timers().length;
    const cache = new TtlCache<string>(60_000);
    cache.set("k", "v");
    expect(cache.holds("k")).toBe(true);
    expect(timers()).toHaveLength(before);
  });

  it("does not keep a load that a write (clear) overtook, and loads again after it", async () => {
    const cache = new TtlCache<string>(60_000);
    let release: (value: string) => void = () => {};
    const stale = cache.through("k", () => new Promise<string>((resolve) => (release = resolve)));
    cache.clear();
    const fresh = cache.through("k", async () => "after the write");
    release("before the write");
    expect(await stale).toBe("before the write");
    expect(await fresh).toBe("after the write");
    expect(cache.get("k")).toBe("after the write");
  });
});

describe("the database clock", () => {
  const HOUR = 3_600_000;
  it.each([
    ["forward", HOUR],
    ["back", -HOUR],
  ])(
    "keeps the database's time when this instance's wall clock steps %s an hour",
    async (_, step) => {
      // Only the wall clock is fake (and runs on), from before the clock is made.
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      try {
        const clock = databaseClock(database.db);
        await clock.now();
        vi.setSystemTime(Date.now() + step);
        const estimated = await clock.now();
        const { localTime } = await database.db.command({ hello: 1 });
        // Read after the estimate, so never earlier than it by more than the measure's error.
        const gap = new Date(localTime as Date).getTime() - estimated.getTime();
        expect(Math.abs(gap)).toBeLessThan(5_000);
      } finally {
        vi.useRealTimers();
      }
    },
  );
});

describe("webhook queue entries", () => {
  const delivery = (key: string) => ({
    key,
    at: new Date(),
    accountId: new ObjectId().toHexString(),
    webhookId: new ObjectId().toHexString(),
    eventId: `evt_${key}`,
    eventType: "incident.triggered" as const,
    url: "https://receiver.example/hook",
    body: `{"id":"evt_${key}"}`,
    oneShot: false,
  });

  it("stores an entry without the event's id and the fields at their usual values, and reads it back whole", async () => {
    const repositories = createRepositories(database);
    const outbox = repositories.webhookDeliveries;
    const { deliveries, queued } = await outbox.store([delivery("slim")], { queued: true });
    const id = deliveries[0]?.id as string;
    const stored = await database.db.collection("webhook_queue").findOne({ _id: id as never });
    expect(Object.keys(stored ?? {}).sort()).toEqual(
      ["_id", "accountId", "dueAt", "round", "webhookId"].sort(),
    );
    // Handed over with what the queue leaves out.
    expect(queued[0]).toMatchObject({
      deliveryId: id,
      eventId: "evt_slim",
      body: '{"id":"evt_slim"}',
      attempts: 0,
      trigger: "dispatch",
      oneShot: false,
    });
    const scanned = await outbox.findDue(100, { webhookIds: [], deliveryIds: [] });
    const due = scanned.find((entry) => entry.deliveryId === id);
    expect(due).toMatchObject({ deliveryId: id, round: 1, attempts: 0, trigger: "dispatch" });
    expect(await outbox.contentsOf([id])).toEqual(
      new Map([[id, { body: '{"id":"evt_slim"}', eventId: "evt_slim" }]]),
    );
  });

  it("reads the bodies and event ids of many deliveries at once, leaving out those not in the log", async () => {
    const outbox = createRepositories(database).webhookDeliveries;
    const keys = Array.from({ length: 300 }, (_, index) => `many-${index}`);
    const { deliveries } = await outbox.store(keys.map(delivery), { queued: false });
    const absent = new ObjectId().toHexString();
    const contents = await outbox.contentsOf([absent, ...deliveries.map((stored) => stored.id)]);
    expect(contents.size).toBe(keys.length);
    expect(contents.has(absent)).toBe(false);
    for (const stored of deliveries) {
      expect(contents.get(stored.id)).toEqual({ body: stored.body, eventId: stored.eventId });
    }
  });

  it("keeps a redelivery's trigger until its retry, then leaves it out again with the attempts made", async () => {
    const outbox = createRepositories(database).webhookDeliveries;
    const { deliveries } = await outbox.store([delivery("retried")], { queued: false });
    const stored = deliveries[0] as (typeof deliveries)[number];
    await outbox.requeue(stored);
    const [entry] = await outbox.queuedOf([stored.id]).then((map) => [...map.values()]);
    expect(entry).toMatchObject({ trigger: "redeliver", attempts: 0 });
    if (!entry) return;
    const firstAttemptAt = new Date();
    const dueAt = new Date(Date.now() + 60_000);
    await outbox.reschedule(entry, {
      round: entry.round + 1,
      dueAt,
      attempts: 1,
      trigger: "dispatch",
      firstAttemptAt,
    });
    const raw = await database.db.collection("webhook_queue").findOne({ _id: stored.id as never });
    expect(raw).not.toHaveProperty("trigger");
    expect(raw).toMatchObject({ round: entry.round + 1, attempts: 1, dueAt, firstAttemptAt });
    const [retry] = await outbox.queuedOf([stored.id]).then((map) => [...map.values()]);
    expect(retry).toMatchObject({ trigger: "dispatch", attempts: 1, round: entry.round + 1 });
  });

  it("reads the entries an earlier release stored with every field", async () => {
    const outbox = createRepositories(database).webhookDeliveries;
    const { deliveries } = await outbox.store([delivery("earlier")], { queued: false });
    const stored = deliveries[0] as (typeof deliveries)[number];
    await database.db.collection("webhook_queue").insertOne({
      _id: stored.id as never,
      accountId: new ObjectId(stored.accountId),
      webhookId: new ObjectId(stored.webhookId),
      eventId: stored.eventId,
      oneShot: false,
      round: 1,
      dueAt: new Date(0),
      attempts: 0,
      trigger: "dispatch",
    });
    const [entry] = await outbox.queuedOf([stored.id]).then((map) => [...map.values()]);
    expect(entry).toEqual({
      deliveryId: stored.id,
      accountId: stored.accountId,
      webhookId: stored.webhookId,
      oneShot: false,
      round: 1,
      dueAt: new Date(0),
      attempts: 0,
      trigger: "dispatch",
    });
    expect((await outbox.contentsOf([stored.id])).get(stored.id)?.eventId).toBe(stored.eventId);
  });
});
