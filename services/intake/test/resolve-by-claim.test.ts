import { createHash } from "node:crypto";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { type Document, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase } from "../src/repositories/database.js";
import type { NewIncident } from "../src/repositories/incidents.js";
import { createRepositories, ensureIndexes, type Repositories } from "../src/repositories/index.js";
import { findsDuring, incidentInput } from "./repository-support.js";

// A resolve finds its incident through the open-incident claim, by `_id` (ADR 0001): FerretDB
// reads the whole collection for any other filter. The states a crash leaves are written here.

const dbName = uniqueDatabaseName("resolve_by_claim");
const ORPHAN_CLAIM_MS = 200;
let database: Database;
let repositories: Repositories;

beforeAll(async () => {
  database = openDatabase({ uri: inject("mongodbUri"), dbName, timeoutMs: 5_000 });
  repositories = createRepositories(database, { orphanClaimMs: ORPHAN_CLAIM_MS });
  await ensureIndexes(repositories);
  await sweep(); // the one-time backfills are behind us
});
afterAll(async () => {
  await database.db.dropDatabase();
  await database.close();
});

/** Transitions announce nothing here (outgoing webhooks have tests of their own). */
const quietly = async () => {};
const sweep = (on = repositories) =>
  on.incidents.autoResolveDue(new Date(), "system:test", 200, quietly);
/** Documents keyed by a string, as claims, events and markers are. */
const collection = (name: string) => database.db.collection<Document & { _id: string }>(name);
/** A trigger's incident, of its own account and service. */
const incident = () => incidentInput({ urgency: "high" });

const open = (input: NewIncident, on = repositories) =>
  on.incidents.openOrAppend(input, { at: new Date(), type: "triggered", actor: "test" }, quietly);

const resolve = (input: NewIncident, on = repositories) =>
  on.incidents.resolveOpen(
    input.accountId,
    input.serviceId,
    input.correlationKey ?? "",
    { at: new Date(), type: "resolved", actor: "token:test" },
    quietly,
  );

const claimId = (input: NewIncident) =>
  `${input.serviceId}:${createHash("sha256")
    .update(input.correlationKey ?? "")
    .digest("hex")}`;

const claimOf = (input: NewIncident) =>
  database.db
    .collection<{ _id: string; incidentId: ObjectId }>("deliveries")
    .findOne({ _id: claimId(input) });

async function resolvedEvents(id: string): Promise<number> {
  return collection("incident_events").countDocuments({
    incidentId: new ObjectId(id),
    status: "resolved",
  });
}

const statusOf = async (input: NewIncident, id: string) =>
  (await repositories.incidents.findInAccount(input.accountId, id))?.status;

/** The claim of an incident's first transition, stored as a crash before its update leaves it. */
const leftBehind = (incidentId: string, status: "acknowledged" | "resolved", actor: string) =>
  collection("incident_events").insertOne({
    _id: `${incidentId}:v1`,
    incidentId: new ObjectId(incidentId),
    at: new Date(),
    type: status,
    actor,
    status,
  });

/** An incident opened and resolved, its claim left behind: a crash before it was given back. */
async function resolvedLeavingItsClaim(input: NewIncident) {
  const { incident: opened } = await open(input);
  const claim = await claimOf(input);
  await repositories.incidents.transition(
    input.accountId,
    opened.id,
    ["triggered"],
    "resolved",
    { at: new Date(), type: "resolved", actor: "person" },
    quietly,
  );
  await collection("deliveries").insertOne(claim as NonNullable<typeof claim>);
  return opened;
}

/** The collection and filter keys of each `find` command `work` sends. */
async function findsOf(work: (watched: Repositories) => Promise<unknown>) {
  const finds = await findsDuring(database, work);
  return finds.map((event) => ({
    collection: event.command.find as string,
    keys: Object.keys(event.command.filter ?? {}),
  }));
}

describe("a resolve through the open-incident claim", () => {
  it("resolves the claimed incident reading only by _id, and releases the claim", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    // Other incidents of the account do not make a resolve read more.
    for (let n = 0; n < 3; n++) await open({ ...incident(), accountId: input.accountId });
    let resolved: Awaited<ReturnType<typeof resolve>> = null;
    const finds = await findsOf(async (watched) => {
      await sweep(watched); // this instance learns the backfill is done
      resolved = await resolve(input, watched);
    });
    expect(resolved).toMatchObject({ id: opened.id, status: "resolved" });
    expect(await statusOf(input, opened.id)).toBe("resolved");
    expect(await claimOf(input)).toBeNull();
    const resolveFinds = finds.filter((find) => find.collection !== "auto_resolve_due");
    expect(resolveFinds.length).toBeGreaterThan(0);
    for (const find of resolveFinds) expect(find.keys).toEqual(["_id"]);
  });

  it("files a duplicate trigger reading only by _id", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    let outcome: Awaited<ReturnType<typeof open>> | undefined;
    const finds = await findsOf(async (watched) => {
      outcome = await open({ ...input, deliveryId: `${input.deliveryId}-again` }, watched);
    });
    expect(outcome).toMatchObject({ action: "duplicate", incident: { id: opened.id } });
    expect(finds.length).toBeGreaterThan(0);
    for (const find of finds) expect(find.keys).toEqual(["_id"]);
  });

  it("resolves nothing, without waiting, when the claim's incident was never stored", async () => {
    const input = incident();
    // A crash between the claim and the incident: the claim is stored, the incident is not.
    const orphan = new ObjectId();
    await collection("deliveries").insertOne({
      _id: claimId(input),
      incidentId: orphan,
      createdAt: new Date(),
    });
    const started = Date.now();
    expect(await resolve(input)).toBeNull();
    expect(Date.now() - started).toBeLessThan(ORPHAN_CLAIM_MS);
    expect(await collection("incident_events").countDocuments({ incidentId: orphan })).toBe(0);
    // Once old, the orphan claim is taken over by the next trigger, which a resolve then ends.
    await new Promise((done) => setTimeout(done, ORPHAN_CLAIM_MS + 50));
    const next = await open(input);
    expect(next.action).toBe("created");
    expect((await claimOf(input))?.incidentId.toHexString()).toBe(next.incident.id);
    expect(await resolve(input)).toMatchObject({ id: next.incident.id, status: "resolved" });
  });

  it("resolves nothing twice when the claim names an incident already resolved", async () => {
    const input = incident();
    const opened = await resolvedLeavingItsClaim(input);
    expect(await resolve(input)).toBeNull();
    expect(await resolvedEvents(opened.id)).toBe(1);
    // The next trigger opens a new incident (the leftover claim is given up), and is resolvable.
    const next = await open({ ...input, deliveryId: `${input.deliveryId}-next` });
    expect(next.action).toBe("created");
    expect(next.incident.id).not.toBe(opened.id);
    expect(await resolve(input)).toMatchObject({ id: next.incident.id });
  });

  it("rolls forward a resolve a crash left between its claim and its update", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    await leftBehind(opened.id, "resolved", "token:crashed");
    expect(await resolve(input)).toBeNull();
    expect(await statusOf(input, opened.id)).toBe("resolved");
    expect(await resolvedEvents(opened.id)).toBe(1);
    expect(await claimOf(input)).toBeNull();
  });

  it("reads the claim and the incident, then claims the next version without looking for one left behind", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    const finds = await findsOf(async (watched) => {
      expect(await resolve(input, watched)).toMatchObject({ id: opened.id, status: "resolved" });
    });
    // Two reads in sequence before the version's claim: a claim left behind has its `_id`.
    expect(finds).toEqual([
      { collection: "deliveries", keys: ["_id"] },
      { collection: "incidents", keys: ["_id"] },
    ]);
    expect(await resolvedEvents(opened.id)).toBe(1);
  });

  it("rolls forward an acknowledge a crash left behind, then resolves after it", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    await leftBehind(opened.id, "acknowledged", "person:crashed");
    const announced: string[] = [];
    const resolved = await repositories.incidents.resolveOpen(
      input.accountId,
      input.serviceId,
      input.correlationKey ?? "",
      { at: new Date(), type: "resolved", actor: "token:test" },
      async ({ event }) => {
        announced.push(event.type);
      },
    );
    expect(resolved).toMatchObject({ id: opened.id, status: "resolved", version: 2 });
    expect(announced).toEqual(["acknowledged", "resolved"]);
    const events = await collection("incident_events")
      .find({ incidentId: new ObjectId(opened.id) })
      .toArray();
    expect(events.map((event) => [event._id, event.status]).sort()).toEqual([
      [`${opened.id}:v1`, "acknowledged"],
      [`${opened.id}:v2`, "resolved"],
    ]);
    expect(await statusOf(input, opened.id)).toBe("resolved");
    expect(await claimOf(input)).toBeNull();
  });

  it("resolves an incident once when two resolves arrive together", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    const outcomes = await Promise.all([resolve(input), resolve(input), resolve(input)]);
    expect(outcomes.filter((outcome) => outcome !== null).map((o) => o?.id)).toEqual([opened.id]);
    expect(await resolvedEvents(opened.id)).toBe(1);
    expect(await statusOf(input, opened.id)).toBe("resolved");
  });

  it("resolves an open incident an older release stored without a claim, once backfilled", async () => {
    const input = incident();
    const legacyId = new ObjectId();
    await database.db.collection("incidents").insertOne({
      _id: legacyId,
      accountId: new ObjectId(input.accountId),
      serviceId: new ObjectId(input.serviceId),
      number: 1,
      title: "Legacy",
      urgency: "high",
      status: "acknowledged",
      correlationKey: input.correlationKey,
      version: 1,
      payload: { contentType: null, body: Buffer.from("") },
      createdAt: new Date(),
      updatedAt: new Date(),
      deliveryId: "legacy-delivery",
      openedBy: { actor: "legacy" },
    });
    // A fresh instance, as after the upgrade (the backfill is remembered in the database).
    await collection("migrations").deleteOne({
      _id: "open-incident-claims",
    });
    const upgraded = createRepositories(database);
    await sweep(upgraded);
    expect((await claimOf(input))?.incidentId.toHexString()).toBe(legacyId.toHexString());
    const finds = await findsOf(async (watched) => {
      await sweep(watched);
      expect(await resolve(input, watched)).toMatchObject({ id: legacyId.toHexString() });
    });
    for (const find of finds.filter((f) => f.collection !== "auto_resolve_due")) {
      expect(find.keys).toEqual(["_id"]);
    }
    expect(await statusOf(input, legacyId.toHexString())).toBe("resolved");
  });

  it("resolves an unclaimed open incident before the backfill is done, by a scan", async () => {
    const input = incident();
    const { incident: opened } = await open(input);
    await collection("deliveries").deleteOne({ _id: claimId(input) });
    await collection("migrations").deleteOne({
      _id: "open-incident-claims",
    });
    const upgraded = createRepositories(database);
    expect(await resolve(input, upgraded)).toMatchObject({ id: opened.id });
    expect(await resolvedEvents(opened.id)).toBe(1);
    await sweep(upgraded); // the backfill it started is done
  });
});
