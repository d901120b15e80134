import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { startFerretDB } from "../src/ferretdb.js";
import { findPostgreSQL, startPostgreSQL } from "../src/postgresql.js";
import { isAlive } from "../src/processes.js";

const dataDir = mkdtempSync(join(tmpdir(), "sqibs-devdb-pg-test-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// The bench's BENCH_BACKEND=postgresql. Installing the server is the bench's business, not a
// test's: without Debian's package this suite is skipped (and says so).
describe.skipIf(process.env.MONGODB_URI || !findPostgreSQL())(
  "FerretDB on a throwaway PostgreSQL",
  () => {
    it("runs the postgresql handler on its own cluster and leaves nothing behind", async () => {
      const postgresql = await startPostgreSQL({ install: false });
      expect(postgresql.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/ferretdb$/);
      const ferret = await startFerretDB({ dataDir, postgresqlUrl: postgresql.url });
      const client = new MongoClient(ferret.uri);
      try {
        const items = client.db("t").collection<{ _id: string }>("c");
        await items.insertOne({ _id: "a" });
        await expect(items.insertOne({ _id: "a" })).rejects.toMatchObject({ code: 11000 });
        expect(await items.countDocuments()).toBe(1);
      } finally {
        await client.close();
        await ferret.stop();
        await postgresql.stop();
      }
      expect(isAlive(postgresql.pid)).toBe(false);
    });

    it("finds the newest server of Debian's layout, and none elsewhere", () => {
      expect(findPostgreSQL()).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin$/);
      expect(findPostgreSQL(join(dataDir, "nowhere"))).toBeNull();
    });
  },
);
