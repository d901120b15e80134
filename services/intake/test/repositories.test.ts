import { startTcpProxy } from "@sqibs/testing";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { type CommandStartedEvent, type Db, MongoClient, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, isDuplicateKey, openDatabase } from "../src/repositories/database.js";
import { storedPayload } from "../src/repositories/ids.js";
import { createRepositories, ensureIndexes } from "../src/repositories/index.js";
import { insertBatches } from "../src/repositories/insert-batches.js";

const dbName = uniqueDatabaseName("repositories");
let database: Database;

beforeAll(() => {
  database = openDatabase({ uri: inject("mongodbUri"), dbName, timeoutMs: 2_000 });
});

afterAll(async () => {
  await database.db.dropDatabase();
  await database.close();
});

/** The insert commands sent while `run` runs (with their document counts), on a watched client. */
async function insertCommands(run: (db: Db) => Promise<unknown>): Promise<number[]> {
  const client = new MongoClient(inject("mongodbUri"), { monitorCommands: true });
  const seen: number[] = [];
  client.on("commandStarted", (event: CommandStartedEvent) => {
    if (event.commandName === "insert") seen.push(event.command.documents?.length ?? 0);
  });
  try {
    await run(client.db(dbName));
  } finally {
    await client.close();
  }
  return seen;
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

  it("fails every caller of a batch the database never acknowledged, then works again", async () => {
    const proxy = await startTcpProxy(inject("mongodbUri"));
    const cutOff = openDatabase({ uri: proxy.uri, dbName, timeoutMs: 500 });
    try {
      await cutOff.ping();
      const batches = insertBatches();
      const collection = cutOff.db.collection<{ _id: string }>("outage");
      await proxy.cut();
      const results = await Promise.allSettled(
        ["x", "y", "z"].map((key) => batches.insert(collection, { _id: key })),
      );
      expect(results.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
      await proxy.restore();
      await expect
        .poll(() => batches.insert(collection, { _id: "after" }).then(() => "stored"), {
          timeout: 15_000,
          interval: 250,
        })
        .toBe("stored");
      const stored = await database.db.collection<{ _id: string }>("outage").find().toArray();
      expect(stored.map((doc) => doc._id)).toContain("after");
    } finally {
      await cutOff.close();
      await proxy.close();
    }
  });
});

describe("incident numbers across instances", () => {
  it("numbers every incident of an account once when two instances create them at the same time", async () => {
    const first = createRepositories(database);
    const second = createRepositories(database);
    await ensureIndexes(first);
    const accountId = new ObjectId();
    const serviceId = new ObjectId();
    const open = (instance: typeof first, n: number) =>
      instance.incidents.openOrAppend(
        {
          accountId,
          serviceId,
          title: `Incident ${n}`,
          description: "",
          urgency: "high",
          status: "triggered",
          payload: storedPayload(Buffer.from(`alert ${n}`), "text/plain"),
          createdAt: new Date(),
          updatedAt: new Date(),
          deliveryId: `delivery-${n}`,
        },
        { at: new Date(), type: "triggered", actor: "test" },
      );
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
    const stored = await database.db
      .collection<{ number: number }>("incidents")
      .find({ accountId })
      .toArray();
    expect(stored).toHaveLength(62);
    expect(new Set(stored.map((doc) => doc.number)).size).toBe(62);
  });
});
