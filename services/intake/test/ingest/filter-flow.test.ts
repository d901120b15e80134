import type { ApiFilter, MaintenanceWindow } from "@sqibs/domain";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSweeper } from "../../src/jobs/sweeper.js";
import { startTestService, type TestService } from "../harness.js";
import { bearer, countIncidents, post, storedIncident } from "./support.js";

const ALERTMANAGER_FILTER: ApiFilter = {
  triggers: [
    {
      urgency: "high",
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "commonAnnotations.summary",
      descriptionKey: "commonAnnotations.description",
      correlationKey: "groupKey",
    },
  ],
  resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "groupKey" },
};

function alertmanager(
  status: "firing" | "resolved",
  groupKey: string,
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    version: "4",
    status,
    groupKey,
    commonAnnotations: { summary: `Disk full (${groupKey})`, description: "95% used on /var" },
    alerts: [{ status, labels: { alertname: "DiskFull" } }],
    ...extra,
  });
}

describe("API filter, de-duplication, resolve, retries, maintenance and auto-resolve", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;
  let secret: string;

  const send = (
    body: string,
    headers: Record<string, string> = {},
    query: Record<string, string> = {},
  ) =>
    post(service, {
      body,
      query: { from: "Prometheus", ...query },
      headers: { "content-type": "application/json", ...bearer(secret), ...headers },
    });

  beforeAll(async () => {
    service = await startTestService("filterflow");
    account = await service.account();
    secret = account.globalToken.secret;
    await service.configureService(account, { filter: ALERTMANAGER_FILTER });
  });
  afterAll(() => service.close());

  it("opens on firing, adds repeats to the open incident, resolves on resolved, and reopens after", async () => {
    const first = await send(alertmanager("firing", "g1"));
    expect(first.status).toBe(201);
    expect(first.json.incidents[0]).toMatchObject({
      action: "created",
      title: "Prometheus - Disk full (g1)",
      urgency: "high",
      correlationKey: "g1",
    });
    const id = first.json.incidents[0].id;

    const repeat = await send(alertmanager("firing", "g1", { truncatedAlerts: 1 }));
    expect(repeat.status).toBe(200);
    expect(repeat.json.triggered).toEqual({ created: false, duplicate: true });
    expect(repeat.json.incidents[0]).toMatchObject({ id, action: "duplicate" });
    expect((await storedIncident(service, account.account.id, id)).eventCount).toBe(2);

    const resolved = await send(alertmanager("resolved", "g1"));
    expect(resolved.status).toBe(200);
    expect(resolved.json.resolved).toEqual({ resolved: true, duplicate: false });
    expect(resolved.json.incidents[0]).toMatchObject({
      id,
      action: "resolved",
      status: "resolved",
    });
    const stored = await storedIncident(service, account.account.id, id);
    expect(stored.status).toBe("resolved");
    expect(stored.events.map((event) => event.type)).toEqual([
      "triggered",
      "duplicate",
      "resolved",
    ]);

    const again = await send(alertmanager("firing", "g1", { startsAt: "later" }));
    expect(again.status).toBe(201);
    expect(again.json.incidents[0].id).not.toBe(id);
  });

  it("answers a resolve with nothing open 200 with resolved.duplicate, not an error", async () => {
    const response = await send(alertmanager("resolved", "never-opened"));
    expect(response.status).toBe(200);
    expect(response.json.resolved).toEqual({ resolved: false, duplicate: true });
    expect(response.json.incidents).toEqual([]);
  });

  it("answers 202 no-filter-passed when no trigger matches, storing nothing", async () => {
    const response = await send(JSON.stringify({ status: "pending", groupKey: "g-x" }));
    expect(response.status).toBe(202);
    expect(response.json).toMatchObject({ reason: "no-filter-passed", incidents: [] });
  });

  it("answers a retried delivery (same body, same token) like the first, storing nothing new", async () => {
    const body = JSON.stringify({ status: "firing", groupKey: "retry-1", n: 1 });
    const first = await send(body);
    const retry = await send(body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    expect(
      (await storedIncident(service, account.account.id, first.json.incidents[0].id)).eventCount,
    ).toBe(1);
  });

  it("takes the same body with another from or content type as a new delivery, not a retry", async () => {
    const body = alertmanager("firing", "retry-2");
    const first = await send(body);
    const others = [
      await send(body, {}, { from: "Another sender" }),
      await send(body, { "content-type": "application/json; charset=utf-8" }),
    ];
    expect(first.status).toBe(201);
    for (const other of others) {
      expect(other.status).toBe(200);
      expect(other.json.replayed).toBeUndefined();
      expect(other.json.incidents[0]).toMatchObject({
        id: first.json.incidents[0].id,
        action: "duplicate",
      });
    }
    const incident = await storedIncident(service, account.account.id, first.json.incidents[0].id);
    expect(incident.eventCount).toBe(3);
    expect((await send(body)).json).toEqual({ ...first.json, replayed: true });
  });

  it("replays a repeated Idempotency-Key, and answers 422 when it comes with another body (IETF draft)", async () => {
    const key = `key-${Date.now()}`;
    const first = await send(
      JSON.stringify({ n: 1 }),
      { "idempotency-key": key },
      { from: "cron" },
    );
    const retry = await send(
      JSON.stringify({ n: 1 }),
      { "idempotency-key": key },
      { from: "cron" },
    );
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    const before = await countIncidents(service);
    for (const [body, query] of [
      [JSON.stringify({ n: 2 }), { from: "cron" }],
      [JSON.stringify({ n: 1 }), { from: "another sender" }],
    ] as const) {
      const reused = await send(body, { "idempotency-key": key }, query);
      expect(reused.status).toBe(422);
      expect(reused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(reused.json).toMatchObject({
        type: "/problems/unprocessable-content",
        errors: [{ field: "Idempotency-Key", message: "used before with a different request" }],
      });
    }
    expect(await countIncidents(service)).toBe(before);
    const other = await send(
      JSON.stringify({ n: 2 }),
      { "idempotency-key": `${key}-b` },
      { from: "cron" },
    );
    expect(other.json.id).not.toBe(first.json.id);
    expect(other.json.replayed).toBeUndefined();
  });

  it("processes the same body again once the duplicate window has passed", async () => {
    const quick = await service.account({ accountName: "Quick window" });
    await service.configureService(quick, { filter: { triggers: [], duplicateWindowSeconds: 1 } });
    const headers = bearer(quick.globalToken.secret);
    const first = await post(service, { body: "cron failed", headers });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await post(service, { body: "cron failed", headers });
    expect(first.status).toBe(201);
    expect(later.status).toBe(201);
    expect(later.json.replayed).toBeUndefined();
    expect(later.json.incidents[0].id).not.toBe(first.json.incidents[0].id);
  });

  it("opens exactly one incident for 50 simultaneous identical triggers", async () => {
    const body = alertmanager("firing", "storm");
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(body)));
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    const ids = new Set(answers.map((answer) => answer.json.incidents[0].id));
    expect(ids.size).toBe(1);
    const count = await service.deps.repositories.database.db
      .collection("incidents")
      .countDocuments({ correlationKey: "storm" });
    expect(count).toBe(1);
  });

  it("opens exactly one incident for 50 simultaneous different triggers of one group, with 50 events", async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, n) => send(alertmanager("firing", "storm-2", { n }))),
    );
    const created = answers.filter((answer) => answer.json.triggered.created === true);
    const duplicates = answers.filter((answer) => answer.json.triggered.duplicate === true);
    expect(created).toHaveLength(1);
    expect(duplicates).toHaveLength(49);
    const id = created[0]?.json.incidents[0].id;
    expect(new Set(answers.map((answer) => answer.json.incidents[0].id))).toEqual(new Set([id]));
    expect((await storedIncident(service, account.account.id, id)).eventCount).toBe(50);
  });

  it("runs a global token through every active service and opens one incident per matching service", async () => {
    const multi = await service.account({ accountName: "Multi" });
    const { services } = service.deps.repositories;
    const now = new Date();
    const database = await services.create(
      {
        accountId: multi.account.id,
        teamId: multi.team.id,
        name: "Database",
        state: "active",
        filter: { triggers: [{ urgency: "low", conditions: [{ key: "team", contains: ["db"] }] }] },
      },
      now,
    );
    await services.create(
      {
        accountId: multi.account.id,
        teamId: multi.team.id,
        name: "Frontend",
        state: "active",
        filter: {
          triggers: [{ urgency: "high", conditions: [{ key: "team", contains: ["web"] }] }],
        },
      },
      now,
    );
    const response = await post(service, {
      body: JSON.stringify({ team: "db", msg: "replica lag" }),
      headers: { "content-type": "application/json", ...bearer(multi.globalToken.secret) },
    });
    expect(response.status).toBe(201);
    expect(response.json.triggered.created).toBe(true);
    const created = response.json.incidents.filter(
      (incident: { action: string }) => incident.action === "created",
    );
    expect(created).toHaveLength(2);
    const serviceIds = response.json.incidents
      .map((incident: { serviceId: string }) => incident.serviceId)
      .sort();
    expect(serviceIds).toEqual([multi.service.id, database.id].sort());
  });

  it("suppresses matching payloads in a tagged maintenance window, and lets resolves through", async () => {
    const opened = await send(alertmanager("firing", "maint-1"));
    expect(opened.status).toBe(201);
    const maintenance: MaintenanceWindow = {
      start: new Date(Date.now() - 60_000),
      end: new Date(Date.now() + 3_600_000),
      tags: [["disk", "/var"], ["deploy"]],
    };
    await service.configureService(account, { maintenance });

    const suppressed = await send(
      alertmanager("firing", "maint-2", { commonLabels: { note: "Disk on /VAR" } }),
    );
    expect(suppressed.status).toBe(202);
    expect(suppressed.json.reason).toBe("maintenance");
    const logged = await service.deps.repositories.database.db
      .collection("api_logs")
      .findOne({ _id: ObjectId.createFromHexString(suppressed.json.id) });
    expect(logged?.decisions).toEqual([
      expect.objectContaining({ kind: "suppressed", reason: "maintenance" }),
    ]);

    const unrelated = await send(
      JSON.stringify({
        status: "firing",
        groupKey: "maint-3",
        commonAnnotations: { summary: "CPU" },
      }),
    );
    expect(unrelated.status).toBe(201);

    const resolved = await send(alertmanager("resolved", "maint-1"));
    expect(resolved.status).toBe(200);
    expect(resolved.json.resolved.resolved).toBe(true);
    await service.configureService(account, { maintenance: { tags: [] } });
  });

  it("auto-resolves an incident that got no event for autoResolveAfterSeconds", async () => {
    const quiet = await service.account({ accountName: "Quiet" });
    await service.configureService(quiet, {
      filter: {
        triggers: [
          { urgency: "low", conditions: [], correlationKey: "id", autoResolveAfterSeconds: 1 },
        ],
      },
    });
    const headers = { "content-type": "application/json", ...bearer(quiet.globalToken.secret) };
    const opened = await post(service, {
      body: JSON.stringify({ id: "ping-1", up: false }),
      headers,
    });
    const id = opened.json.incidents[0].id;
    const sweeper = startSweeper(service.deps, 60_000);
    await sweeper.runOnce();
    expect((await storedIncident(service, quiet.account.id, id)).status).toBe("triggered");
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    // Two sweepers (two instances) racing: exactly one resolve event.
    await Promise.all([sweeper.runOnce(), startSweeper(service.deps, 60_000).runOnce()]);
    sweeper.stop();
    const stored = await storedIncident(service, quiet.account.id, id);
    expect(stored.status).toBe("resolved");
    expect(stored.events.filter((event) => event.type === "resolved")).toHaveLength(1);
    expect(stored.events.at(-1)?.actor).toBe("system:auto-resolve");
  });
});
