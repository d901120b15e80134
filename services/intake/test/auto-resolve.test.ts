import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase } from "../src/repositories/database.js";
import type { NewIncident } from "../src/repositories/incidents.js";
import { createRepositories, ensureIndexes, type Repositories } from "../src/repositories/index.js";
import { findsDuring, incidentInput } from "./repository-support.js";

// The sweeper's auto-resolve reads a schedule by due time (ADR 0002), never the open incidents;
// times here are given, not waited for.

const dbName = uniqueDatabaseName("auto_resolve");
const MINUTE = 60_000;
const T0 = new Date(Date.now() - 60 * MINUTE);
const at = (ms: number) => new Date(T0.getTime() + ms);
let database: Database;
let repositories: Repositories;

beforeAll(async () => {
  database = openDatabase({ uri: inject("mongodbUri"), dbName, timeoutMs: 5_000 });
  repositories = createRepositories(database);
  await ensureIndexes(repositories);
});
afterAll(async () => {
  await database.db.dropDatabase();
  await database.close();
});

const incident = (input: Partial<NewIncident> = {}): NewIncident =>
  incidentInput({ createdAt: T0, updatedAt: T0, autoResolveAfterSeconds: 60, ...input });

/** Transitions announce nothing here (outgoing webhooks have tests of their own). */
const quietly = async () => {};
const sweep = (now: Date) =>
  repositories.incidents.autoResolveDue(now, "system:test", 200, quietly);
const statusOf = async (accountId: string, id: string) =>
  (await repositories.incidents.findInAccount(accountId, id))?.status;

describe("auto-resolve by schedule", () => {
  it("resolves once the quiet period has passed since the last event, not before", async () => {
    const input = incident();
    const opened = await repositories.incidents.openOrAppend(
      input,
      {
        at: T0,
        type: "triggered",
        actor: "test",
      },
      quietly,
    );
    // A duplicate 40 s later starts the quiet period again.
    const again = await repositories.incidents.openOrAppend(
      { ...input, deliveryId: `${input.deliveryId}-again` },
      { at: at(40_000), type: "duplicate", actor: "test" },
      quietly,
    );
    expect(again.action).toBe("duplicate");
    const { accountId } = input;
    expect(await sweep(at(70_000))).toBe(0);
    expect(await statusOf(accountId, opened.incident.id)).toBe("triggered");
    expect(await sweep(at(100_000))).toBe(1);
    const resolved = await repositories.incidents.findInAccount(accountId, opened.incident.id);
    expect(resolved?.status).toBe("resolved");
    expect(resolved?.events.at(-1)).toMatchObject({ type: "resolved", actor: "system:test" });
    // Nothing is left due for it.
    const due = await database.db
      .collection("auto_resolve_due")
      .countDocuments({ incidentId: new ObjectId(opened.incident.id) });
    expect(due).toBe(0);
  });

  it("does not resolve an incident a person acknowledged within the quiet period", async () => {
    const input = incident();
    const { incident: opened } = await repositories.incidents.openOrAppend(
      input,
      {
        at: T0,
        type: "triggered",
        actor: "test",
      },
      quietly,
    );
    await repositories.incidents.transition(
      input.accountId,
      opened.id,
      ["triggered"],
      "acknowledged",
      {
        at: at(50_000),
        type: "acknowledged",
        actor: "person",
      },
      quietly,
    );
    expect(await sweep(at(61_000))).toBe(0);
    expect(await statusOf(input.accountId, opened.id)).toBe("acknowledged");
    expect(await sweep(at(111_000))).toBe(1);
    expect(await statusOf(input.accountId, opened.id)).toBe("resolved");
  });

  it("schedules the open incidents stored before the schedule existed, once", async () => {
    // An incident as the previous release stored it: no schedule entry.
    const accountId = new ObjectId();
    const legacyId = new ObjectId();
    await database.db.collection("incidents").insertOne({
      _id: legacyId,
      accountId,
      serviceId: new ObjectId(),
      number: 1,
      title: "Legacy",
      description: "",
      urgency: "low",
      status: "triggered",
      version: 0,
      payload: { contentType: null, body: Buffer.from("") },
      createdAt: T0,
      updatedAt: T0,
      autoResolveAfterSeconds: 60,
      deliveryId: "legacy-delivery",
      openedBy: { actor: "legacy" },
    });
    // A fresh instance, as after the upgrade (the backfill is remembered in the database).
    await database.db.collection("migrations").deleteMany({});
    const upgraded = createRepositories(database);
    await upgraded.incidents.autoResolveDue(at(30_000), "system:test", 200, quietly);
    expect(await statusOf(accountId.toHexString(), legacyId.toHexString())).toBe("triggered");
    await upgraded.incidents.autoResolveDue(at(61_000), "system:test", 200, quietly);
    expect(await statusOf(accountId.toHexString(), legacyId.toHexString())).toBe("resolved");
    const markers = await database.db.collection("migrations").distinct("_id");
    expect(markers.sort()).toEqual(["auto-resolve-schedule", "open-incident-claims"]);
  });

  it("reads the schedule by due time and each incident by its id and account, never a scan of open incidents", async () => {
    await sweep(at(0)); // the one-time backfill is behind us
    for (let n = 0; n < 5; n++) {
      await repositories.incidents.openOrAppend(
        incident(),
        {
          at: T0,
          type: "triggered",
          actor: "t",
        },
        quietly,
      );
    }
    const finds = await findsDuring(database, async (watched) => {
      expect(await watched.incidents.autoResolveDue(at(61_000), "system:test", 200, quietly)).toBe(
        5,
      );
    });
    const incidentReads = finds.filter((event) => event.command.find === "incidents");
    expect(incidentReads.length).toBeGreaterThanOrEqual(5);
    for (const read of incidentReads) {
      expect(Object.keys(read.command.filter ?? {})).toEqual(
        expect.arrayContaining(["_id", "accountId"]),
      );
    }
    const scheduleReads = finds.filter((event) => event.command.find === "auto_resolve_due");
    expect(scheduleReads[0]?.command.filter).toEqual({ dueAt: { $lte: at(61_000) } });
  });
});
