import { parseCidrList } from "@sqibs/webhooks";
import { type CommandStartedEvent, ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, GROUP_FILTER, post, subscribeToOpenings } from "./support.js";

// What a call waits for, in sequence (issue 17: each command is a round trip, and at one
// connection a call's latency is mostly theirs). The calls run one at a time, so the commands
// seen are the call's own, in the order it sent them; background work (number hints, rate-limit
// counts, heartbeats) touches other collections and is left out.

const INGEST_COLLECTIONS = new Set([
  "deliveries",
  "delivery_answers",
  "incidents",
  "incident_events",
  "webhook_deliveries",
  "webhook_queue",
]);

describe("the database commands of one call", () => {
  let service: TestService;
  /** Another instance on the same database: what it opened, `service` has never read. */
  let other: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;
  let secret: string;
  let sent = 0;
  const seen: string[] = [];
  /** The documents of each insert seen, in order. */
  const inserted: number[] = [];
  /** The fields each read of `incidents` seen filtered by, in order. */
  const incidentReads: string[][] = [];

  beforeAll(async () => {
    const uri = inject("mongodbUri");
    // The service's own client reports its commands (a client option, given in the URI).
    const monitored = `${uri}${uri.includes("?") ? "&" : "?"}monitorCommands=true`;
    service = await startTestService("commands_per_call", {
      mongodbUri: monitored,
      // A webhook to this machine (the last test); no dispatcher: nothing is sent.
      WEBHOOK_ALLOW_HTTP: true,
      WEBHOOK_ALLOWED_CIDRS: parseCidrList("127.0.0.0/8"),
    });
    account = await service.account();
    secret = account.globalToken.secret;
    await service.configureService(account, { filter: GROUP_FILTER });
    other = await startTestService("commands_per_call", {
      MONGODB_DB: service.deps.config.MONGODB_DB,
    });
    service.deps.repositories.database.client.on("commandStarted", (event: CommandStartedEvent) => {
      const collection = event.command[event.commandName];
      if (typeof collection === "string" && INGEST_COLLECTIONS.has(collection)) {
        seen.push(`${event.commandName} ${collection}`);
        if (event.commandName === "insert") inserted.push(event.command.documents.length);
        if (event.commandName === "find" && collection === "incidents")
          incidentReads.push(Object.keys(event.command.filter));
      }
    });
    // The first call reads what is cached afterwards (token, account, services).
    expect((await send("firing", "warm-up")).status).toBe(201);
  });
  afterAll(async () => {
    await other.close();
    await service.close();
  });

  function send(status: "firing" | "resolved", groupKey: string, to = service) {
    sent += 1;
    const body = JSON.stringify({ status, groupKey, summary: `Disk full (${groupKey})`, n: sent });
    return sendBody(body, to);
  }

  const sendBody = (body: string, to = service) =>
    post(to, { body, headers: { "content-type": "application/json", ...bearer(secret) } });

  /** The call's status and the commands it sent, in order. */
  async function commandsOf(status: "firing" | "resolved", groupKey: string) {
    seen.length = 0;
    inserted.length = 0;
    const answer = await send(status, groupKey);
    return { status: answer.status, commands: [...seen] };
  }

  it("opens an incident with two inserts: both claims in one, then the incident", async () => {
    expect(await commandsOf("firing", "opened")).toEqual({
      status: 201,
      commands: ["insert deliveries", "insert incidents"],
    });
    // The open-incident claim and the delivery's claim, in one command (one transaction).
    expect(inserted).toEqual([2, 1]);
  });

  it("answers a call that opens nothing with its delivery's claim alone", async () => {
    seen.length = 0;
    const answer = await post(service, {
      body: `disk full on db-${sent}`,
      headers: { "content-type": "text/plain", ...bearer(secret) },
    });
    expect({ status: answer.status, commands: seen }).toEqual({
      status: 202,
      commands: ["insert deliveries"],
    });
  });

  it("files a duplicate trigger of an incident it opened with four commands: no read of the claim or the incident", async () => {
    await send("firing", "repeated");
    expect(await commandsOf("firing", "repeated")).toEqual({
      status: 200,
      commands: [
        "insert deliveries",
        "insert incident_events",
        "find incident_events",
        "insert delivery_answers",
      ],
    });
  });

  it("files a duplicate trigger of an incident another instance opened with six commands", async () => {
    expect((await send("firing", "repeated-elsewhere", other)).status).toBe(201);
    expect(await commandsOf("firing", "repeated-elsewhere")).toEqual({
      status: 200,
      commands: [
        "insert deliveries",
        "find deliveries",
        "find incidents",
        "insert incident_events",
        "find incident_events",
        "insert delivery_answers",
      ],
    });
  });

  it("resolves an incident it opened with five commands: no read of the claim or the incident", async () => {
    await send("firing", "resolved");
    expect(await commandsOf("resolved", "resolved")).toEqual({
      status: 200,
      commands: [
        "insert deliveries",
        "insert incident_events",
        "update incidents",
        "delete deliveries",
        "insert delivery_answers",
      ],
    });
  });

  it("resolves an incident another instance opened with seven commands: no read for a version claim left behind", async () => {
    expect((await send("firing", "resolved-elsewhere", other)).status).toBe(201);
    expect(await commandsOf("resolved", "resolved-elsewhere")).toEqual({
      status: 200,
      commands: [
        "insert deliveries",
        "find deliveries",
        "find incidents",
        "insert incident_events",
        "update incidents",
        "delete deliveries",
        "insert delivery_answers",
      ],
    });
  });

  it("resolves nothing with three commands", async () => {
    expect(await commandsOf("resolved", "never-opened")).toEqual({
      status: 200,
      commands: ["insert deliveries", "find deliveries", "insert delivery_answers"],
    });
  });

  it("skips a number another instance took without reading any incident (not the highest number, not its delivery)", async () => {
    expect((await send("firing", "numbered-here")).status).toBe(201);
    await service.deps.repositories.incidents.flushNumberHints();
    // The other instance numbers past this one's last number, and says so in the hint.
    expect((await send("firing", "numbered-elsewhere", other)).status).toBe(201);
    await other.deps.repositories.incidents.flushNumberHints();
    expect(await commandsOf("firing", "numbered-after-a-collision")).toEqual({
      status: 201,
      commands: ["insert deliveries", "insert incidents", "insert incidents"],
    });
  });

  it("takes over a delivery whose first attempt died before its incident, and skips a number another instance took reading the incident that attempt chose by _id, not its delivery", async () => {
    const body = JSON.stringify({ status: "firing", groupKey: "taken-over", summary: "Disk full" });
    const db = service.deps.repositories.database.db;
    const { incidents } = service.deps.repositories;
    // The first attempt dies after its claims and before its incident (a stand-in for a crash).
    const real = incidents.openOrAppend;
    incidents.openOrAppend = () => Promise.reject(new Error("crashed before the incident"));
    try {
      expect((await sendBody(body)).status).toBe(500);
    } finally {
      incidents.openOrAppend = real;
    }
    const [delivery] = await db
      .collection<{ _id: string; presumed?: { response: string } }>("deliveries")
      .find({ generation: { $exists: true } })
      .sort({ createdAt: -1 })
      .limit(1)
      .toArray();
    const chosen: string = JSON.parse(delivery?.presumed?.response ?? "{}").incidents?.[0]?.id;
    expect(chosen).toMatch(/^[0-9a-f]{24}$/);
    // Its lease ran out (as a crash leaves it), and its open-incident claim is gone.
    await db
      .collection<{ _id: string }>("deliveries")
      .updateOne(
        { _id: delivery?._id ?? "" },
        { $set: { leaseUntil: new Date(0) }, $unset: { renewedUntil: "" } },
      );
    await db
      .collection<{ incidentId: ObjectId }>("deliveries")
      .deleteOne({ incidentId: new ObjectId(chosen) });
    // The other instance numbers past this one's last number, and says so in the hint.
    await incidents.flushNumberHints();
    expect((await send("firing", "numbered-elsewhere-again", other)).status).toBe(201);
    await other.deps.repositories.incidents.flushNumberHints();

    seen.length = 0;
    incidentReads.length = 0;
    const retry = await sendBody(body);
    expect(retry.status).toBe(201);
    expect(retry.json.incidents[0].id).not.toBe(chosen);
    // The presumed incident, not stored (so no replay: a takeover), then, on the collision, the
    // incident the first attempt chose: by `_id`, never by its delivery.
    expect(incidentReads).toEqual([["_id", "accountId"], ["_id"]]);
    expect(seen.filter((command) => command === "insert incidents")).toHaveLength(2);
    const stored = await db.collection("incidents").countDocuments({
      accountId: new ObjectId(account.account.id),
      correlationKey: "taken-over",
    });
    expect(stored).toBe(1);
  });

  it("opens an incident a webhook listens to with the same two inserts: its journal entry rides with the claims", async () => {
    // Numbered after what the other instance opened (its first insert collides, then reads).
    expect((await send("firing", "before-announced")).status).toBe(201);
    await subscribeToOpenings(service, account.adminToken.secret);
    expect(await commandsOf("firing", "announced")).toEqual({
      status: 201,
      commands: ["insert deliveries", "insert incidents"],
    });
    // The delivery's claim, the open-incident claim and the journal entry, in one command
    // (usecases/journal.ts); the dispatcher stores the delivery later, in its own ticks.
    expect(inserted).toEqual([3, 1]);
  });
});
