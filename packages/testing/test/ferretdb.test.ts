import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { MongoClient, ObjectId } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import {
  ensureFerretDB,
  ferretdbBinaryPath,
  findRunning,
  moduleSourceDir,
  startFerretDB,
  stopByPidFile,
} from "../src/ferretdb.js";
import { isAlive, runCommand } from "../src/processes.js";
import { startTcpProxy } from "../src/tcp-proxy.js";

const dataDir = mkdtempSync(join(tmpdir(), "sqibs-devdb-test-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.skipIf(process.env.MONGODB_URI)("local FerretDB", () => {
  it("builds once into the per-user cache, keyed by version", async () => {
    const binary = await ensureFerretDB();
    expect(binary).toBe(ferretdbBinaryPath());
    expect(binary).toMatch(/sqibs\/ferretdb-v1\.24\.2-[0-9a-f]{12}\/ferretdb$/);
  });

  it("finds FerretDB's Go module on a machine that has never downloaded it (an empty module cache)", async () => {
    const cache = mkdtempSync(join(tmpdir(), "sqibs-gomodcache-test-"));
    const env = { ...process.env, GOMODCACHE: cache, GOFLAGS: "-mod=readonly" };
    try {
      const dir = await moduleSourceDir("github.com/FerretDB/FerretDB", env);
      expect(dir.startsWith(cache)).toBe(true);
      expect(dir).toMatch(/@v1\.24\.2$/);
      expect(existsSync(join(dir, "internal", "backends", "sqlite", "collection.go"))).toBe(true);
    } finally {
      // The module cache's files are read-only; go removes its own cache.
      await runCommand("go", ["clean", "-modcache"], { env }).catch(() => undefined);
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("passes the wrapper's Go tests (its log handler writes what slog's would, formatting nothing below its level)", async () => {
    const wrapperDir = join(import.meta.dirname, "..", "..", "..", "tools", "ferretdb");
    const output = await runCommand("go", ["test", "-count=1", "./deferlog"], {
      cwd: wrapperDir,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
    });
    expect(output).toMatch(/^ok\s/m);
  });

  it("starts on loopback, answers a ping with the official driver, and stops without a trace", async () => {
    const database = await startFerretDB({ dataDir });
    expect(database.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const client = new MongoClient(database.uri);
    await client.db("t").collection("c").insertOne({ ok: 1 });
    expect(await client.db("t").collection("c").countDocuments()).toBe(1);
    await client.close();
    expect(await findRunning(dataDir)).toMatchObject({ pid: database.pid });
    await database.stop();
    expect(isAlive(database.pid)).toBe(false);
    expect(await findRunning(dataDir)).toBeNull();
  });

  it("keeps data across restarts in the same folder, and stops by pid file", async () => {
    const first = await startFerretDB({ dataDir, detached: true });
    const client = new MongoClient(first.uri);
    expect(await client.db("t").collection("c").countDocuments()).toBe(1);
    await client.close();
    expect(await stopByPidFile(dataDir)).toBe(true);
    expect(isAlive(first.pid)).toBe(false);
  });
});

/** Runs `use` with a client of a FerretDB started for it, stopped after. */
async function withStartedFerretDB(use: (client: MongoClient) => Promise<void>) {
  const database = await startFerretDB({ dataDir });
  const client = new MongoClient(database.uri);
  try {
    await use(client);
  } finally {
    await client.close();
    await database.stop();
  }
}

describe.skipIf(process.env.MONGODB_URI)("the patched FerretDB (FERRETDB_PATCHES)", () => {
  it("looks a document up by `_id` through the `_id` index, alone or beside other conditions", async () => {
    await withStartedFerretDB(async (client) => {
      const db = client.db("patched");
      await db.collection("c").insertMany([{ _id: "a" }, { _id: "b", n: 2 }] as never[]);
      // FerretDB's explain gives SQLite's plan of the lookup that find, update and delete run.
      const explained = await db.command({ explain: { find: "c", filter: { _id: "b" } } });
      expect(explained.queryPlanner.Plan).toEqual([
        expect.stringMatching(/SEARCH .* USING INDEX .*__id_ /),
      ]);
      for (const filter of [
        { _id: "b", n: 2 },
        { n: 2, _id: "b" },
      ]) {
        const beside = await db.command({ explain: { find: "c", filter } });
        expect(beside.queryPlanner.Plan).toEqual([
          expect.stringMatching(/SEARCH .* USING INDEX .*__id_ /),
        ]);
      }
      // The rest of the filter still applies to the document found by `_id`.
      expect(await db.collection("c").findOne({ _id: "b", n: 2 } as never)).toEqual({
        _id: "b",
        n: 2,
      });
      expect(await db.collection("c").findOne({ _id: "b", n: 3 } as never)).toBeNull();
      expect(
        (await db.collection("c").updateOne({ _id: "b", n: 3 } as never, { $set: { m: 1 } }))
          .matchedCount,
      ).toBe(0);
      expect((await db.collection("c").deleteOne({ _id: "a", n: 2 } as never)).deletedCount).toBe(
        0,
      );
      expect(await db.collection("c").countDocuments({ _id: "b", n: 2 } as never)).toBe(1);
      expect((await db.collection("c").deleteOne({ _id: "a" } as never)).deletedCount).toBe(1);
      await db.dropDatabase();
    });
  });

  it("looks the documents of an `_id: { $in }` up through the `_id` index, and finds, counts and deletes what an unpatched scan does", async () => {
    await withStartedFerretDB(async (client) => {
      const db = client.db("patched-in");
      const c = db.collection<{ _id: unknown; round: number }>("c");
      const oid = new ObjectId();
      await c.insertMany([
        ...Array.from({ length: 40 }, (_, index) => ({ _id: `d${index}`, round: index % 3 })),
        { _id: oid, round: 1 },
        { _id: 7, round: 1 },
      ]);
      const plan = async (filter: object) =>
        (await db.command({ explain: { find: "c", filter } })).queryPlanner.Plan;
      for (const filter of [
        { _id: { $in: ["d1", "d2", oid] } },
        { round: 1, _id: { $in: ["d1", "d4", "d5"] } },
      ]) {
        expect(await plan(filter)).toEqual([
          expect.stringMatching(/SEARCH .* USING INDEX .*__id_ /),
        ]);
      }
      // Anything but strings and ObjectIDs, or another operator beside `$in`, scans as before.
      for (const filter of [{ _id: { $in: ["d1", 7] } }, { _id: { $in: ["d1"], $ne: "d2" } }]) {
        expect(await plan(filter)).toEqual([expect.stringMatching(/^(?!.*USING INDEX)/)]);
      }
      // What a scan (a `$nin` of nothing present, which no patch pushes down) would find.
      const scanned = async (filter: Record<string, unknown>) =>
        await c
          .find({ ...filter, _id: { ...(filter._id as object), $nin: ["absent"] } } as never)
          .sort({ _id: 1 })
          .toArray();
      const filters: Record<string, unknown>[] = [
        { _id: { $in: ["d1", "d2", "d3", "missing", oid] } },
        { round: 1, _id: { $in: ["d1", "d2", "d3", "d4", "d4"] } },
        { _id: { $in: ["d1", 7] } },
      ];
      for (const filter of filters) {
        const found = await c
          .find(filter as never)
          .sort({ _id: 1 })
          .toArray();
        expect(found.length).toBeGreaterThan(0);
        expect(found).toEqual(await scanned(filter));
        expect(await c.countDocuments(filter as never)).toBe(found.length);
      }
      expect(
        await c.find({ _id: { $in: ["d1", "d2", "d3", "missing", oid] } } as never).toArray(),
      ).toHaveLength(4);
      // Only the documents matching the whole filter are deleted.
      const deleted = await c.deleteMany({
        round: 1,
        _id: { $in: ["d1", "d2", "d4", "d7", oid] },
      } as never);
      expect(deleted.deletedCount).toBe(4);
      expect(
        (await c.find({}, { projection: { _id: 1 } }).toArray())
          .map((doc) => String(doc._id))
          .sort(),
      ).toEqual(
        [
          ...Array.from({ length: 40 }, (_, index) => `d${index}`).filter(
            (id) => !["d1", "d4", "d7"].includes(id),
          ),
          "7",
        ].sort(),
      );
      await db.dropDatabase();
    });
  });

  it("records a non-unique index without creating it in SQLite, and creates unique ones", async () => {
    await withStartedFerretDB(async (client) => {
      const c = client.db("indexed").collection<{ _id: string; a: number; b: number }>("c");
      await c.createIndex({ a: 1 });
      await c.createIndex({ b: 1 }, { unique: true });
      await c.insertMany([
        { _id: "x", a: 1, b: 1 },
        { _id: "y", a: 1, b: 2 },
      ]);
      // Both are listed, and the unique one still refuses a second document with its key.
      expect((await c.listIndexes().toArray()).map((index) => index.name).sort()).toEqual([
        "_id_",
        "a_1",
        "b_1",
      ]);
      await expect(c.insertOne({ _id: "z", a: 1, b: 2 })).rejects.toMatchObject({ code: 11000 });
      expect(await c.find({ a: 1 }).sort({ _id: 1 }).toArray()).toEqual([
        { _id: "x", a: 1, b: 1 },
        { _id: "y", a: 1, b: 2 },
      ]);
      // In SQLite: the table's `_id` index and the unique one, not the other.
      const sqlite = new DatabaseSync(join(dataDir, "indexed.sqlite"), { readOnly: true });
      // (SQLite names them `<table>_<index>`.)
      const created = () =>
        ["_id_", "a_1", "b_1"].filter((index) =>
          sqlite
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .all()
            .some((row) => String(row.name).endsWith(`_${index}`)),
        );
      expect(created()).toEqual(["_id_", "b_1"]);
      // Dropped and created again as before.
      await c.dropIndex("a_1");
      await c.dropIndex("b_1");
      expect((await c.listIndexes().toArray()).map((index) => index.name)).toEqual(["_id_"]);
      expect(created()).toEqual(["_id_"]);
      await c.createIndex({ a: 1 });
      expect((await c.listIndexes().toArray()).map((index) => index.name).sort()).toEqual([
        "_id_",
        "a_1",
      ]);
      sqlite.close();
      await client.db("indexed").dropDatabase();
    });
  });

  it("applies every one of 50 concurrent `$inc` of one document, by update and by findAndModify", async () => {
    await withStartedFerretDB(async (client) => {
      const counters = client.db("increments").collection<{ _id: string; n: number }>("c");
      await counters.insertOne({ _id: "counter", n: 0 });
      const fifty = Array.from({ length: 50 });
      await Promise.all(
        fifty.map(() => counters.updateOne({ _id: "counter" }, { $inc: { n: 1 } })),
      );
      expect(await counters.findOne({ _id: "counter" })).toEqual({ _id: "counter", n: 50 });
      await Promise.all(
        fifty.map(() => counters.findOneAndUpdate({ _id: "counter" }, { $inc: { n: 1 } })),
      );
      expect(await counters.findOne({ _id: "counter" })).toEqual({ _id: "counter", n: 100 });
      await client.db("increments").dropDatabase();
    });
  });

  it("never deletes a document that did not match the filter when deleted, with re-inserts of its `_id` racing", async () => {
    await withStartedFerretDB(async (client) => {
      const claims = client.db("releases").collection<{ _id: string; holder: number }>("c");
      const keys = Array.from({ length: 10 }, (_, index) => `claim-${index}`);
      await claims.insertMany(keys.map((_id) => ({ _id, holder: 0 })));
      // Each round, two releases of the holder race the next holder's insert (retried while the
      // old one is there): a delete that read the old holder must not remove the new one.
      const takeOver = async (_id: string, holder: number) => {
        for (;;) {
          try {
            return await claims.insertOne({ _id, holder });
          } catch (error) {
            if ((error as { code?: number }).code !== 11000) throw error;
          }
        }
      };
      for (let holder = 1; holder <= 20; holder += 1) {
        const released = await Promise.all(
          keys.flatMap((_id) => [
            claims.deleteOne({ _id, holder: holder - 1 }),
            claims.deleteOne({ _id, holder: holder - 1 }),
            takeOver(_id, holder),
          ]),
        );
        const deleted = released.map((result) =>
          "deletedCount" in result ? result.deletedCount : 0,
        );
        expect(deleted.reduce((sum, count) => sum + count, 0)).toBe(keys.length);
        expect(await claims.find().sort({ _id: 1 }).toArray()).toEqual(
          keys.map((_id) => ({ _id, holder })),
        );
      }
      await client.db("releases").dropDatabase();
    });
  });
});

describe("TCP proxy in front of the database", () => {
  it("passes traffic, refuses it when cut, and passes it again when restored", async () => {
    const database = process.env.MONGODB_URI ? undefined : await startFerretDB({ dataDir });
    const proxy = await startTcpProxy(process.env.MONGODB_URI ?? database?.uri ?? "");
    const options = { serverSelectionTimeoutMS: 500 };
    const ping = async () => {
      const client = new MongoClient(proxy.uri, options);
      try {
        await client.db("admin").command({ ping: 1 });
        return "up";
      } catch {
        return "down";
      } finally {
        await client.close();
      }
    };
    expect(await ping()).toBe("up");
    await proxy.cut();
    expect(await ping()).toBe("down");
    await proxy.restore();
    expect(await ping()).toBe("up");
    await proxy.close();
    await database?.stop();
  });
});
