import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Database, openDatabase } from "../src/repositories/database.js";
import type { NewIncident } from "../src/repositories/incidents.js";
import { createRepositories, ensureIndexes, type Repositories } from "../src/repositories/index.js";
import { sleep } from "./hardening/support.js";
import { startTestService, type TestService } from "./harness.js";
import { bearer, countIncidents, post } from "./ingest/support.js";

/** Transitions announce nothing here (outgoing webhooks have tests of their own). */
const quietly = async () => {};

/**
 * The races issue 15 found by reading the code, each pinned: two repository sets on one
 * database stand for two instances of the service.
 */
const HOUR = 3_600_000;
const ORPHAN_CLAIM_MS = 1_500;
const dbName = uniqueDatabaseName("races");
let database: Database;

beforeAll(async () => {
  database = openDatabase({ uri: inject("mongodbUri"), dbName, timeoutMs: 2_000 });
  await ensureIndexes(createRepositories(database));
});

afterAll(async () => {
  await database.db.dropDatabase();
  await database.close();
});

const incidentsCollection = () => database.db.collection("incidents");

let deliveries = 0;

/** A trigger with this correlation value, as ingest hands it to the repository. */
function trigger(accountId: string, serviceId: string, correlationKey: string, at: Date) {
  deliveries += 1;
  const input: NewIncident = {
    accountId,
    serviceId,
    title: `Disk full (${deliveries})`,
    description: "",
    urgency: "high",
    status: "triggered",
    correlationKey,
    payload: { contentType: "text/plain", body: Buffer.from(`alert ${deliveries}`) },
    createdAt: at,
    updatedAt: at,
    deliveryId: `delivery-${deliveries}`,
  };
  return [input, { at, type: "triggered" as const, actor: "token:test" }] as const;
}

/** Whether the promise has settled by now. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await sleep(0);
  return done;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`${what} did not finish within ${ms} ms`);
    }),
  ]);
}

describe("an orphaned correlation claim is judged by the database's time", () => {
  let accountId: string;
  let serviceId: string;

  beforeAll(() => {
    accountId = new ObjectId().toHexString();
    serviceId = new ObjectId().toHexString();
  });

  /**
   * `writer`'s trigger takes the claim and stores its incident; the incident is then removed
   * again, which leaves the claim as it is between a writer's two inserts (or after it died).
   */
  async function claimWithoutIncident(writer: Repositories, correlation: string, at: Date) {
    const [input, event] = trigger(accountId, serviceId, correlation, at);
    const opened = await writer.incidents.openOrAppend(input, event, quietly);
    const _id = new ObjectId(opened.incident.id);
    const stored = await incidentsCollection().findOne({ _id });
    await incidentsCollection().deleteOne({ _id });
    return { opened, restore: () => incidentsCollection().insertOne(stored ?? { _id }) };
  }

  it("is not taken over from a live writer whose clock is an hour behind", async () => {
    const slowClock = () => Date.now() - HOUR;
    const writer = createRepositories(database, {
      localClock: slowClock,
      orphanClaimMs: ORPHAN_CLAIM_MS,
    });
    const other = createRepositories(database, { orphanClaimMs: ORPHAN_CLAIM_MS });
    const { opened, restore } = await claimWithoutIncident(writer, "behind", new Date(slowClock()));

    const [input, event] = trigger(accountId, serviceId, "behind", new Date());
    const second = other.incidents.openOrAppend(input, event, quietly);
    // Well before the claim is old in the database's time: the other instance waits...
    await sleep(ORPHAN_CLAIM_MS / 3);
    expect(await settled(second)).toBe(false);
    // ...and, once the writer's incident is there, adds to it.
    await restore();
    expect(await within(second, 5_000, "the second trigger")).toMatchObject({
      action: "duplicate",
      incident: { id: opened.incident.id },
    });
  });

  it("is taken over once old in the database's time, though its writer's clock was an hour ahead", async () => {
    const fastClock = () => Date.now() + HOUR;
    const writer = createRepositories(database, {
      localClock: fastClock,
      orphanClaimMs: ORPHAN_CLAIM_MS,
    });
    const other = createRepositories(database, { orphanClaimMs: ORPHAN_CLAIM_MS });
    const { opened } = await claimWithoutIncident(writer, "ahead", new Date(fastClock()));

    const [input, event] = trigger(accountId, serviceId, "ahead", new Date());
    const taken = await within(
      other.incidents.openOrAppend(input, event, quietly),
      8_000,
      "the takeover",
    );
    expect(taken.action).toBe("created");
    expect(taken.incident.id).not.toBe(opened.incident.id);
  });
});

describe("a duplicate trigger that meets an incident being resolved", () => {
  it("opens a new incident instead of being filed on the resolved one", async () => {
    const repositories = createRepositories(database);
    const accountId = new ObjectId().toHexString();
    const serviceId = new ObjectId().toHexString();
    const [input, event] = trigger(accountId, serviceId, "resolving", new Date());
    const first = await repositories.incidents.openOrAppend(input, event, quietly);
    const firstId = new ObjectId(first.incident.id);
    // A resolve at this very moment: it has claimed the incident's next version (ADR 0001)
    // but has neither updated the incident nor released the correlation claim yet.
    await database.db.collection("incident_events").insertOne({
      _id: `${first.incident.id}:v1` as unknown as ObjectId,
      incidentId: firstId,
      at: new Date(),
      type: "resolved",
      actor: "token:resolver",
      status: "resolved",
    });

    const [again, againEvent] = trigger(accountId, serviceId, "resolving", new Date());
    const second = await repositories.incidents.openOrAppend(again, againEvent, quietly);

    expect(second.action).toBe("created");
    expect(second.incident.id).not.toBe(first.incident.id);
    const resolved = await repositories.incidents.findInAccount(accountId, first.incident.id);
    expect(resolved?.status).toBe("resolved");
    expect(resolved?.events.map((e) => e.type)).toEqual(["triggered", "resolved"]);
    // The next trigger is a duplicate of the new incident.
    const [third, thirdEvent] = trigger(accountId, serviceId, "resolving", new Date());
    expect(await repositories.incidents.openOrAppend(third, thirdEvent, quietly)).toMatchObject({
      action: "duplicate",
      incident: { id: second.incident.id },
    });
  });
});

describe("an instance that remembers an open incident another instance changed", () => {
  /** Two instances: `here` opened the incident (and remembers it), `elsewhere` changes it. */
  async function openedHere(correlationKey: string) {
    const here = createRepositories(database);
    const elsewhere = createRepositories(database);
    const accountId = new ObjectId().toHexString();
    const serviceId = new ObjectId().toHexString();
    const [input, event] = trigger(accountId, serviceId, correlationKey, new Date());
    const opened = await here.incidents.openOrAppend(input, event, quietly);
    expect(opened.action).toBe("created");
    const resolve = (on: Repositories) =>
      on.incidents.resolveOpen(
        accountId,
        serviceId,
        correlationKey,
        { at: new Date(), type: "resolved", actor: "token:test" },
        quietly,
      );
    const again = () => trigger(accountId, serviceId, correlationKey, new Date());
    return { here, elsewhere, accountId, opened: opened.incident, resolve, again };
  }

  const eventsOf = (id: string) =>
    database.db
      .collection("incident_events")
      .find({ incidentId: new ObjectId(id) })
      .toArray();

  it("files a duplicate on the incident the claim names now, not on the one it remembers", async () => {
    const { here, elsewhere, opened, resolve, again } = await openedHere("moved-on");
    expect(await resolve(elsewhere)).toMatchObject({ id: opened.id, status: "resolved" });
    const reopened = await elsewhere.incidents.openOrAppend(...again(), quietly);
    expect(reopened.action).toBe("created");

    const duplicate = await here.incidents.openOrAppend(...again(), quietly);
    expect(duplicate).toMatchObject({
      action: "duplicate",
      incident: { id: reopened.incident.id },
    });
    // The duplicate's event, taken back from the resolved incident, is on the open one only.
    expect((await eventsOf(opened.id)).map((doc) => doc.type)).toEqual(["resolved"]);
    expect((await eventsOf(reopened.incident.id)).map((doc) => doc.type)).toEqual(["duplicate"]);
    expect(await resolve(here)).toMatchObject({ id: reopened.incident.id, status: "resolved" });
  });

  it("resolves the incident the claim names now, or nothing when none is open", async () => {
    const { here, elsewhere, opened, resolve, again } = await openedHere("resolved-elsewhere");
    expect(await resolve(elsewhere)).toMatchObject({ id: opened.id });
    expect(await resolve(here)).toBeNull();
    expect((await eventsOf(opened.id)).filter((doc) => doc.type === "resolved")).toHaveLength(1);
    const reopened = await elsewhere.incidents.openOrAppend(...again(), quietly);
    expect(await resolve(here)).toMatchObject({ id: reopened.incident.id, status: "resolved" });
  });

  it("answers a duplicate with the status another instance gave the incident", async () => {
    const { here, elsewhere, accountId, opened, again } = await openedHere("acknowledged");
    const acknowledged = await elsewhere.incidents.transition(
      accountId,
      opened.id,
      ["triggered"],
      "acknowledged",
      { at: new Date(), type: "acknowledged", actor: "person" },
      quietly,
    );
    expect(acknowledged?.status).toBe("acknowledged");
    expect(await here.incidents.openOrAppend(...again(), quietly)).toMatchObject({
      action: "duplicate",
      incident: { id: opened.id, status: "acknowledged", version: 1 },
    });
  });

  it("answers every trigger racing a resolve elsewhere as its events were stored", async () => {
    for (let round = 0; round < 20; round++) {
      const { here, elsewhere, opened, resolve, again } = await openedHere(`racing-${round}`);
      const triggers = [again(), again(), again()];
      const [resolved, ...outcomes] = await Promise.all([
        resolve(elsewhere),
        ...triggers.map((args) => here.incidents.openOrAppend(...args, quietly)),
      ]);
      expect(resolved).toMatchObject({ id: opened.id });
      const onResolved = (await eventsOf(opened.id)).filter((doc) => doc.type === "duplicate");
      const filedThere = outcomes
        .map((outcome, index) => ({ outcome, deliveryId: triggers[index]?.[0].deliveryId }))
        .filter(({ outcome }) => outcome.incident.id === opened.id);
      // A duplicate answered as filed on the resolved incident is stored there (filed before
      // the resolve was claimed), and one taken back from it is answered on another incident.
      expect(onResolved.map((doc) => doc._id).sort()).toEqual(
        filedThere.map(({ deliveryId }) => deliveryId).sort(),
      );
      for (const { outcome } of filedThere) expect(outcome.action).toBe("duplicate");
      for (const outcome of outcomes) {
        if (outcome.incident.id === opened.id) continue;
        const stored = await here.incidents.findInAccount(
          outcome.incident.accountId,
          outcome.incident.id,
        );
        expect(stored?.status).toBe("triggered");
      }
    }
  });

  it("keeps one open incident per correlation value when two releases of its claim race a new one", async () => {
    // The resolve elsewhere and each duplicate here that rolls it forward release the claim
    // (a conditional delete); a trigger in between takes the claim for a new incident, which
    // no release of the resolved one may delete (ADR 0001: FerretDB's read-then-write).
    for (let round = 0; round < 40; round++) {
      const correlationKey = `releases-${round}`;
      const { here, elsewhere, accountId, opened, resolve, again } =
        await openedHere(correlationKey);
      const [, ...outcomes] = await Promise.all([
        resolve(elsewhere),
        ...[here, here, elsewhere, here].map((on) =>
          on.incidents.openOrAppend(...again(), quietly),
        ),
      ]);
      const after = await elsewhere.incidents.openOrAppend(...again(), quietly);
      const open = await incidentsCollection()
        .find({ accountId: new ObjectId(accountId), correlationKey, status: { $ne: "resolved" } })
        .toArray();
      expect(open.map((doc) => doc._id.toHexString())).toEqual([after.incident.id]);
      // The triggers not filed on the resolved incident all opened (or joined) one new one.
      const reopened = outcomes
        .map((outcome) => outcome.incident.id)
        .filter((id) => id !== opened.id);
      expect(new Set(reopened).size).toBeLessThanOrEqual(1);
    }
  });
});

describe("a slow owner's delivery", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService("races_lease");
  });
  afterAll(() => service.close());

  it("keeps its lease while it works: a retry waits and replays its answer, never runs the call again", async () => {
    const { globalToken } = await service.account();
    const { incidents } = service.deps.repositories;
    const openOrAppend = incidents.openOrAppend;
    // The first delivery's write takes longer than a lease (5 s): a slow database.
    let slowed = false;
    incidents.openOrAppend = async (...args) => {
      if (!slowed) {
        slowed = true;
        await sleep(6_500);
      }
      return openOrAppend(...args);
    };
    try {
      const before = await countIncidents(service);
      const call = { body: "slow disk on db-1", headers: bearer(globalToken.secret) };
      const first = post(service, call);
      await sleep(5_500);
      const retry = await post(service, call);
      const answer = await first;
      expect(answer.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.json).toMatchObject({ id: answer.json.id, replayed: true });
      expect(await countIncidents(service)).toBe(before + 1);
    } finally {
      incidents.openOrAppend = openOrAppend;
    }
  }, 30_000);
});
