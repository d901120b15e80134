import { createHash } from "node:crypto";
import { parseCidrList } from "@sqibs/webhooks";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JournaledEvent } from "../../src/container.js";
import { storeJournaled } from "../../src/usecases/journal.js";
import { startTestService, type TestService } from "../harness.js";
import { raw } from "../management/support.js";
import { bearer, GROUP_FILTER, post, subscribeToOpenings } from "./support.js";

// A call whose answer is known before it writes stores that answer with its delivery's claim
// (deliveries.ts, PresumedAnswer), and sends its open-incident claims beside it. Each state a
// crash can leave between those writes is written here, and the call retried: it completes,
// opening nothing twice and losing nothing.

interface DeliveryDoc {
  _id: string;
  generation: ObjectId;
  presumed?: { status: number; response: string; outbox?: string[]; journal?: string[] };
}

describe("an answer stored with the delivery's claim", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;
  let secret: string;
  let serviceId: string;
  let sent = 0;

  beforeAll(async () => {
    // Webhooks to this machine (no dispatcher: what the outbox stores stays in the queue).
    service = await startTestService("presumed", {
      WEBHOOK_ALLOW_HTTP: true,
      WEBHOOK_ALLOWED_CIDRS: parseCidrList("127.0.0.0/8"),
    });
    account = await service.account();
    secret = account.globalToken.secret;
    serviceId = account.service.id;
    await service.configureService(account, { filter: GROUP_FILTER });
  });
  afterAll(() => service.close());

  const collection = <T extends object>(name: string) =>
    service.deps.repositories.database.db.collection<T>(name);

  /** A firing alert of the group, each one a new body (a sender's retry repeats one). */
  function alert(groupKey: string, status: "firing" | "resolved" = "firing") {
    sent += 1;
    return JSON.stringify({ status, groupKey, summary: `Disk full (${groupKey})`, n: sent });
  }

  const send = (body: string, contentType = "application/json", token = secret) =>
    post(service, { body, headers: { "content-type": contentType, ...bearer(token) } });

  const incidentsOf = (groupKey: string) =>
    collection<{ _id: ObjectId; number: number }>("incidents")
      .find({ correlationKey: groupKey })
      .toArray();

  /**
   * The delivery stored last (the suite's calls run one after another), not an open-incident
   * claim (stored beside the deliveries, without a generation).
   */
  async function lastDelivery(): Promise<DeliveryDoc> {
    const [delivery] = await collection<DeliveryDoc>("deliveries")
      .find({ generation: { $exists: true } })
      .sort({ createdAt: -1 })
      .limit(1)
      .toArray();
    if (!delivery) throw new Error("no delivery stored");
    return delivery;
  }

  const storedAnswers = (delivery: DeliveryDoc) =>
    collection<{ _id: ObjectId }>("delivery_answers").countDocuments({ _id: delivery.generation });

  /** The incident the delivery's presumed answer opens (chosen before anything was written). */
  function presumedIncident(delivery: DeliveryDoc): ObjectId {
    const answer = JSON.parse(delivery.presumed?.response ?? "{}") as {
      incidents?: Array<{ id: string }>;
    };
    const id = answer.incidents?.[0]?.id;
    if (!id) throw new Error("the delivery presumes no incident");
    return new ObjectId(id);
  }

  /** The open-incident claim of the group (repositories/incidents.ts claimKey). */
  const claimOf = (groupKey: string) =>
    collection<{ _id: string }>("deliveries").countDocuments({
      _id: `${serviceId}:${createHash("sha256").update(groupKey).digest("hex")}`,
    });

  /** Claims on an incident that is not stored: each holds its correlation value back. */
  async function claimsWithoutIncident(): Promise<number> {
    const claims = await collection<{ incidentId: ObjectId }>("deliveries")
      .find({ incidentId: { $exists: true } })
      .toArray();
    const stored = await Promise.all(
      claims.map((claim) => collection("incidents").countDocuments({ _id: claim.incidentId })),
    );
    return stored.filter((count) => count === 0).length;
  }

  /**
   * The call's first attempt dies where `die` says (it throws there; the attempt's lease is
   * then over, as a crash leaves it once its lease ran out), and the claims it left are old.
   */
  async function firstAttemptDies(
    body: string,
    die: "before the incident" | "after it" | "after the first of two",
    token = secret,
  ) {
    let opened = 0;
    const restore = instead(async (real, ...args) => {
      if (die === "before the incident") throw new Error("crashed before the incident");
      if (die === "after the first of two" && opened === 1) throw new Error("crashed");
      const outcome = await real(...args);
      opened += 1;
      if (die === "after it") throw new Error("crashed after the incident");
      return outcome;
    });
    try {
      expect((await send(body, "application/json", token)).status).toBe(500);
    } finally {
      restore();
    }
    const delivery = await leaseRanOut();
    await collection("deliveries").updateMany(
      { incidentId: { $exists: true } },
      { $set: { createdAt: new Date(0) } },
    );
    return delivery;
  }

  /** The delivery stored last, its owner's lease over (as a crash leaves it once it ran out). */
  async function leaseRanOut(): Promise<DeliveryDoc> {
    const delivery = await lastDelivery();
    await collection<DeliveryDoc>("deliveries").updateOne(
      { _id: delivery._id },
      { $set: { leaseUntil: new Date(0) }, $unset: { renewedUntil: "" } },
    );
    return delivery;
  }

  /** Replaces openOrAppend until `restore`: the test's stand-in for a crash inside it. */
  function instead(
    stand: (
      real: TestService["deps"]["repositories"]["incidents"]["openOrAppend"],
      ...args: Parameters<TestService["deps"]["repositories"]["incidents"]["openOrAppend"]>
    ) => ReturnType<TestService["deps"]["repositories"]["incidents"]["openOrAppend"]>,
  ) {
    const { incidents } = service.deps.repositories;
    const real = incidents.openOrAppend;
    incidents.openOrAppend = (...args) => stand(real, ...args);
    return () => {
      incidents.openOrAppend = real;
    };
  }

  /** The retry opened the incident once, answers with it, and a further retry says the same. */
  async function retriedOnce(body: string, groupKey: string) {
    const retry = await send(body);
    expect(retry.status).toBe(201);
    const stored = await incidentsOf(groupKey);
    expect(stored).toHaveLength(1);
    expect(retry.json.incidents[0]).toMatchObject({
      id: stored[0]?._id.toHexString(),
      number: stored[0]?.number,
      action: "created",
    });
    const again = await send(body);
    expect(again.json).toEqual({ ...retry.json, replayed: true });
    expect(await claimsWithoutIncident()).toBe(0);
    return retry;
  }

  it("stores a new incident's answer with the claim, no answer after it, and replays it with the number", async () => {
    const body = alert("stored-with-claim");
    const first = await send(body);
    expect(first.status).toBe(201);
    const delivery = await lastDelivery();
    expect(delivery.presumed?.status).toBe(201);
    expect(presumedIncident(delivery).toHexString()).toBe(first.json.incidents[0].id);
    expect(await storedAnswers(delivery)).toBe(0);

    const retry = await send(body);
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    expect(first.json.incidents[0].number).toBeGreaterThan(0);
    expect(await incidentsOf("stored-with-claim")).toHaveLength(1);
  });

  it("answers a call that opens nothing with its claim alone, and replays it", async () => {
    const first = await send(`disk full on db-${sent}`, "text/plain");
    expect(first.status).toBe(202);
    const delivery = await lastDelivery();
    expect(delivery.presumed?.status).toBe(202);
    expect(await storedAnswers(delivery)).toBe(0);
    const retry = await send(`disk full on db-${sent}`, "text/plain");
    expect(retry.json).toEqual({ ...first.json, replayed: true });
  });

  it("completes a delivery that died after its claims and before its incident, opening it once", async () => {
    const body = alert("died-before-incident");
    const delivery = await firstAttemptDies(body, "before the incident");
    expect(delivery.presumed?.status).toBe(201);
    expect(await incidentsOf("died-before-incident")).toHaveLength(0);

    const retry = await retriedOnce(body, "died-before-incident");
    // The presumed incident never came: the retry stored a real answer for the delivery.
    expect(retry.json.incidents[0].id).not.toBe(presumedIncident(delivery).toHexString());
    expect(await storedAnswers(delivery)).toBe(1);
  });

  it("completes a delivery whose claim was stored and whose open-incident claim was not", async () => {
    const body = alert("delivery-claim-only");
    const delivery = await firstAttemptDies(body, "before the incident");
    await collection("deliveries").deleteOne({ incidentId: presumedIncident(delivery) });

    await retriedOnce(body, "delivery-claim-only");
    expect(await storedAnswers(delivery)).toBe(1);
  });

  it("completes a call whose open-incident claim was stored and whose delivery's claim was not", async () => {
    const body = alert("open-claim-only");
    const delivery = await firstAttemptDies(body, "before the incident");
    await collection<DeliveryDoc>("deliveries").deleteOne({ _id: delivery._id });
    expect(await claimsWithoutIncident()).toBe(1);

    await retriedOnce(body, "open-claim-only");
  });

  it("replays the incident a delivery stored before it died, with its number, storing nothing more", async () => {
    const body = alert("died-after-incident");
    const delivery = await firstAttemptDies(body, "after it");
    const [stored] = await incidentsOf("died-after-incident");
    expect(stored?._id.toHexString()).toBe(presumedIncident(delivery).toHexString());

    const retry = await send(body);
    expect(retry.status).toBe(201);
    expect(retry.json.replayed).toBe(true);
    expect(retry.json.incidents[0]).toMatchObject({
      id: stored?._id.toHexString(),
      number: stored?.number,
    });
    expect(await incidentsOf("died-after-incident")).toHaveLength(1);
    expect(await storedAnswers(delivery)).toBe(0);
  });

  it("answers a trigger that joined an open incident as it went, not as presumed, also on a retry", async () => {
    const opened = await send(alert("joined"));
    expect(opened.status).toBe(201);
    const body = alert("joined");
    const joined = await send(body);
    expect(joined.status).toBe(200);
    expect(joined.json.incidents[0]).toMatchObject({
      id: opened.json.incidents[0].id,
      action: "duplicate",
    });
    const delivery = await lastDelivery();
    expect(delivery.presumed?.status).toBe(201);
    expect(await storedAnswers(delivery)).toBe(1);

    const retry = await send(body);
    expect(retry.json).toEqual({ ...joined.json, replayed: true });
    expect(await incidentsOf("joined")).toHaveLength(1);
    const events = await collection("incident_events").countDocuments({
      incidentId: new ObjectId(opened.json.incidents[0].id),
    });
    expect(events).toBe(1);
  });

  it("gives back the open-incident claim a retried delivery took beside its own", async () => {
    const body = alert("retried-after-resolve");
    const opened = await send(body);
    expect(opened.status).toBe(201);
    expect((await send(alert("retried-after-resolve", "resolved"))).status).toBe(200);
    expect(await claimOf("retried-after-resolve")).toBe(0);

    // The retry's claim wins (the incident is resolved), but the delivery ran before: no claim.
    const retry = await send(body);
    expect(retry.json).toEqual({ ...opened.json, replayed: true });
    expect(await claimOf("retried-after-resolve")).toBe(0);

    const reopened = await send(alert("retried-after-resolve"));
    expect(reopened.status).toBe(201);
    expect(await incidentsOf("retried-after-resolve")).toHaveLength(2);
  });

  it("completes a call to two services that died between their incidents, opening each once", async () => {
    const created = await raw(service, "POST", "/v1/services", {
      headers: { "content-type": "application/json", ...bearer(account.adminToken.secret) },
      body: JSON.stringify({ name: "Second" }),
    });
    expect(created.status).toBe(201);
    const second = (created.json as { id: string }).id;
    await service.configureService(account, { filter: GROUP_FILTER }, second);
    try {
      const body = alert("two-services");
      const delivery = await firstAttemptDies(body, "after the first of two");
      const presumed = JSON.parse(delivery.presumed?.response ?? "{}");
      expect(presumed.incidents).toHaveLength(2);
      expect(await incidentsOf("two-services")).toHaveLength(1);

      const retry = await send(body);
      expect(retry.status).toBe(201);
      const stored = await incidentsOf("two-services");
      expect(stored).toHaveLength(2);
      const ids = retry.json.incidents.map((incident: { id: string }) => incident.id).sort();
      expect(ids).toEqual(stored.map((incident) => incident._id.toHexString()).sort());
      expect(await storedAnswers(delivery)).toBe(1);
      expect(await send(body)).toMatchObject({ json: { ...retry.json, replayed: true } });
      expect(await claimsWithoutIncident()).toBe(0);
    } finally {
      await service.configureService(account, { state: "disabled" }, second);
    }
  });

  it("drops a past window's presumed answer when the same body comes again, and replays the new one", async () => {
    const quick = await service.account({ accountName: "Quick window" });
    await service.configureService(quick, { filter: { triggers: [], duplicateWindowSeconds: 1 } });
    const call = { body: "cron failed", headers: bearer(quick.globalToken.secret) };
    const first = await post(service, call);
    expect(first.status).toBe(201);
    const past = await lastDelivery();
    expect(past.presumed).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    // Taken over with a new generation, which presumes nothing: it stores a real answer.
    const later = await post(service, call);
    expect(later.json.incidents[0].id).not.toBe(first.json.incidents[0].id);
    const taken = await collection<DeliveryDoc>("deliveries").findOne({ _id: past._id });
    expect(taken?.presumed).toBeUndefined();
    expect(taken && (await storedAnswers(taken))).toBe(1);
    expect((await post(service, call)).json).toEqual({ ...later.json, replayed: true });
  });

  describe("with a webhook subscribed to the opening", () => {
    let hooked: string;
    /** What calls handed to the dispatcher (none runs in this suite): journal entries. */
    const handed: JournaledEvent[] = [];

    beforeAll(async () => {
      const other = await service.account({ accountName: "Hooked" });
      hooked = other.globalToken.secret;
      await service.configureService(other, { filter: GROUP_FILTER });
      await subscribeToOpenings(service, other.adminToken.secret);
      service.deps.webhooks.journaled.listen((event) => {
        if (event) handed.push(event);
      });
    });

    const sendHooked = (body: string) => send(body, "application/json", hooked);

    /** The outgoing deliveries of the incident's opening (incident.triggered). */
    const openingEvents = (incidentId: string) =>
      collection("webhook_deliveries").countDocuments({ eventId: `evt_${incidentId}_1` });

    const journalEntries = (ids: string[] = []) =>
      collection<{ _id: string }>("deliveries").countDocuments({ _id: { $in: ids } });

    /**
     * No journal sequence is reserved (as before the first heartbeat is stored): calls store
     * their deliveries themselves, as without a journal.
     */
    function withoutJournal() {
      const { journal } = service.deps.webhooks;
      const { reservedUpTo, reserveMore } = journal;
      journal.reservedUpTo = journal.next - 1;
      journal.reserveMore = () => {};
      return () => {
        journal.reservedUpTo = reservedUpTo;
        journal.reserveMore = reserveMore;
      };
    }

    it("stores the answer with the claim, naming the event's delivery and its journal entry, and no answer after it", async () => {
      const body = alert("hooked-stored-with-claim");
      const first = await sendHooked(body);
      expect(first.status).toBe(201);
      const delivery = await lastDelivery();
      expect(delivery.presumed?.outbox).toHaveLength(1);
      expect(delivery.presumed?.journal).toHaveLength(1);
      expect(await storedAnswers(delivery)).toBe(0);
      // The event waits in the journal (stored with the claims) and in the dispatcher's hands.
      expect(await journalEntries(delivery.presumed?.journal)).toBe(1);
      expect(await openingEvents(first.json.incidents[0].id)).toBe(0);
      const event = handed.find(({ entry }) => entry.id === delivery.presumed?.journal?.[0]);
      expect(event?.entry.incidentId).toBe(first.json.incidents[0].id);
      expect(event?.deliveries).toHaveLength(1);

      const retry = await sendHooked(body);
      expect(retry.json).toEqual({ ...first.json, replayed: true });

      // The dispatcher's tick: the delivery is logged and queued, the entry removed.
      const queued = await storeJournaled(service.deps, handed.splice(0));
      expect(queued.map((entry) => entry.deliveryId)).toEqual(delivery.presumed?.outbox);
      expect(await openingEvents(first.json.incidents[0].id)).toBe(1);
      expect(await journalEntries(delivery.presumed?.journal)).toBe(0);
      expect(service.deps.webhooks.journal.pending.size).toBe(0);
      // The event stays stored: the answer still holds.
      expect((await sendHooked(body)).json).toEqual({ ...first.json, replayed: true });
    });

    it("replays an incident whose owner died after it: its journal entry holds the event, and it is delivered", async () => {
      const body = alert("hooked-died-after-incident");
      const delivery = await firstAttemptDies(body, "after it", hooked);
      const incidentId = presumedIncident(delivery).toHexString();
      expect(await incidentsOf("hooked-died-after-incident")).toHaveLength(1);
      expect(await journalEntries(delivery.presumed?.journal)).toBe(1);

      const retry = await sendHooked(body);
      expect(retry.status).toBe(201);
      expect(retry.json.replayed).toBe(true);
      expect(retry.json.incidents[0].id).toBe(incidentId);
      expect(await storedAnswers(delivery)).toBe(0);

      // Handed over without its deliveries (the call failed): checked, the incident is there.
      // (The retry's own entry too: a replay opens nothing, its entry is void.)
      const events = handed.splice(0);
      const died = events.find(({ entry }) => entry.id === delivery.presumed?.journal?.[0]);
      expect(died?.deliveries).toBeUndefined();
      await storeJournaled(service.deps, events);
      expect(await openingEvents(incidentId)).toBe(1);
      expect(await journalEntries(delivery.presumed?.journal)).toBe(0);
    });

    it("drops a journal entry whose incident was never stored", async () => {
      const body = alert("hooked-died-before-incident");
      const delivery = await firstAttemptDies(body, "before the incident", hooked);
      const incidentId = presumedIncident(delivery).toHexString();
      expect(await journalEntries(delivery.presumed?.journal)).toBe(1);
      const queued = await collection("webhook_queue").countDocuments();

      await storeJournaled(service.deps, handed.splice(0));
      expect(await journalEntries(delivery.presumed?.journal)).toBe(0);
      expect(await openingEvents(incidentId)).toBe(0);
      expect(await collection("webhook_queue").countDocuments()).toBe(queued);
    });

    it("opens nothing when its journal entry is not stored: the call fails, its retry opens the incident", async () => {
      const body = alert("hooked-journal-refused");
      const { webhookJournal } = service.deps.repositories;
      const record = webhookJournal.record;
      webhookJournal.record = async () => {
        throw new Error("the journal is out of reach");
      };
      try {
        expect((await sendHooked(body)).status).toBe(500);
      } finally {
        webhookJournal.record = record;
      }
      expect(await incidentsOf("hooked-journal-refused")).toHaveLength(0);
      const delivery = await leaseRanOut();
      const retry = await sendHooked(body);
      expect(retry.status).toBe(201);
      expect(retry.json.replayed).toBeUndefined();
      expect(await incidentsOf("hooked-journal-refused")).toHaveLength(1);
      expect(await storedAnswers(delivery)).toBe(1);
      const events = handed.splice(0);
      const opened = events.find(
        ({ entry }) => entry.incidentId === retry.json.incidents[0].id && entry.id,
      );
      expect(opened?.deliveries).toHaveLength(1);
      await storeJournaled(service.deps, events);
      expect(await openingEvents(retry.json.incidents[0].id)).toBe(1);
    });

    it("does not replay an incident whose event was not stored: the retry stores it, then answers", async () => {
      const body = alert("hooked-died-before-event");
      const restore = withoutJournal();
      let delivery: DeliveryDoc;
      try {
        delivery = await firstAttemptDies(body, "after it", hooked);
      } finally {
        restore();
      }
      const incidentId = presumedIncident(delivery).toHexString();
      expect(await incidentsOf("hooked-died-before-event")).toHaveLength(1);
      expect(await openingEvents(incidentId)).toBe(0);

      const retry = await sendHooked(body);
      expect(retry.status).toBe(201);
      expect(retry.json.replayed).toBeUndefined();
      expect(retry.json.incidents[0].id).toBe(incidentId);
      expect(await openingEvents(incidentId)).toBe(1);
      expect(await storedAnswers(delivery)).toBe(1);
      expect(await sendHooked(body)).toMatchObject({ json: { ...retry.json, replayed: true } });
      await storeJournaled(service.deps, handed.splice(0));
    });

    it("replays an incident whose event was stored before its owner died, storing nothing more", async () => {
      const body = alert("hooked-died-after-event");
      const { webhookDeliveries } = service.deps.repositories;
      const store = webhookDeliveries.store;
      webhookDeliveries.store = async (...args) => {
        await store(...args);
        throw new Error("crashed after the event");
      };
      const restore = withoutJournal();
      try {
        expect((await sendHooked(body)).status).toBe(500);
      } finally {
        webhookDeliveries.store = store;
        restore();
      }
      const delivery = await leaseRanOut();
      const incidentId = presumedIncident(delivery).toHexString();

      const retry = await sendHooked(body);
      expect(retry.status).toBe(201);
      expect(retry.json.replayed).toBe(true);
      expect(retry.json.incidents[0].id).toBe(incidentId);
      expect(await openingEvents(incidentId)).toBe(1);
      expect(await storedAnswers(delivery)).toBe(0);
      await storeJournaled(service.deps, handed.splice(0));
    });
  });
});
