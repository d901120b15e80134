import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OpenClaimDoc } from "../src/repositories/incidents.js";
import { moveOpenIncidentClaims } from "../src/repositories/migrations.js";
import { startTestService, type TestService } from "./harness.js";
import { bearer, GROUP_FILTER, post } from "./ingest/support.js";

// The open-incident claims moved from `open_incidents` to `deliveries` (one command with the
// delivery's claim). A database written by the release before keeps them in `open_incidents`:
// the start-up moves them (migrations.ts moveOpenIncidentClaims), and the open incidents they
// name go on taking duplicates and resolves.

describe("open-incident claims stored by the release before", () => {
  let earlier: TestService;
  let upgraded: TestService;
  let secret: string;
  let sent = 0;

  const collection = <T extends object>(name: string) =>
    earlier.deps.repositories.database.db.collection<T>(name);
  const claimsIn = (name: string) =>
    collection<OpenClaimDoc>(name)
      .find({ incidentId: { $exists: true } }, { projection: { _id: 1, incidentId: 1 } })
      .sort({ _id: 1 })
      .toArray();

  function send(to: TestService, status: "firing" | "resolved", groupKey: string) {
    sent += 1;
    const body = JSON.stringify({ status, groupKey, summary: `Disk full (${groupKey})`, n: sent });
    return post(to, { body, headers: { "content-type": "application/json", ...bearer(secret) } });
  }

  beforeAll(async () => {
    earlier = await startTestService("upgrade_open_claims");
    const account = await earlier.account();
    secret = account.globalToken.secret;
    await earlier.configureService(account, { filter: GROUP_FILTER });
  });
  afterAll(async () => {
    await upgraded?.close();
    await earlier.close();
  });

  it("moves them at start-up, and the incidents they name take duplicates and resolves", async () => {
    const opened = new Map<string, string>();
    for (const group of ["kept-open", "resolved-later"]) {
      const answer = await send(earlier, "firing", group);
      expect(answer.status).toBe(201);
      opened.set(group, answer.json.incidents[0].id);
    }
    // Where the release before stored them, as it stored them.
    const claims = await collection<OpenClaimDoc>("deliveries")
      .find({ incidentId: { $exists: true } })
      .toArray();
    expect(claims).toHaveLength(2);
    await collection<OpenClaimDoc>("open_incidents").insertMany(claims);
    await collection<OpenClaimDoc>("deliveries").deleteMany({ incidentId: { $exists: true } });
    const stored = await claimsIn("open_incidents");

    upgraded = await startTestService("upgrade_open_claims", {
      MONGODB_DB: earlier.deps.config.MONGODB_DB,
    });
    expect(await claimsIn("deliveries")).toEqual(stored);
    expect(await claimsIn("open_incidents")).toEqual([]);

    const duplicate = await send(upgraded, "firing", "kept-open");
    expect(duplicate.status).toBe(200);
    expect(duplicate.json.incidents[0]).toMatchObject({
      id: opened.get("kept-open"),
      action: "duplicate",
    });
    const resolve = await send(upgraded, "resolved", "resolved-later");
    expect(resolve.status).toBe(200);
    expect(resolve.json.incidents[0]).toMatchObject({
      id: opened.get("resolved-later"),
      action: "resolved",
    });
    // Its claim went with it: the group opens a new incident.
    const reopened = await send(upgraded, "firing", "resolved-later");
    expect(reopened.status).toBe(201);
    expect(reopened.json.incidents[0].id).not.toBe(opened.get("resolved-later"));
  });

  it("moves again what the release before stores later, keeping a claim already moved", async () => {
    const db = upgraded.deps.repositories.database.db;
    const [moved] = await claimsIn("deliveries");
    if (!moved) throw new Error("no claim moved");
    const later = { _id: `${new ObjectId().toHexString()}:later`, incidentId: new ObjectId() };
    await collection<OpenClaimDoc>("open_incidents").insertMany([
      { ...later, createdAt: new Date() },
      // The same correlation value, claimed anew by the release before meanwhile.
      { _id: moved._id, incidentId: new ObjectId(), createdAt: new Date() },
    ]);

    expect(await moveOpenIncidentClaims(db)).toBe(2);
    const claims = await claimsIn("deliveries");
    expect(claims).toContainEqual(later);
    expect(claims).toContainEqual(moved);
    expect(await claimsIn("open_incidents")).toEqual([]);
    // Nothing left to move: one read.
    expect(await moveOpenIncidentClaims(db)).toBe(0);
    expect(await claimsIn("deliveries")).toEqual(claims);
  });
});
