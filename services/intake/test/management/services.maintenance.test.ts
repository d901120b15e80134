import {
  type Client,
  createService,
  createToken,
  endServiceMaintenance,
  getService,
  listApiLogs,
  listIncidents,
  processIncident,
  setServiceFilter,
  setServiceMaintenance,
  updateService,
} from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { clientFor, newAccount, problemOf, serviceWithAccount, UNKNOWN_ID } from "./support.js";

/** An Alertmanager-style notification (every body differs by its group key or summary). */
const alert = (status: "firing" | "resolved", groupKey: string, summary: string) => ({
  status,
  groupKey,
  commonAnnotations: { summary },
});

const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

describe("PUT/DELETE /v1/services/{serviceId}/maintenance, and PATCH state", () => {
  const { service, acme } = serviceWithAccount("mgmt-maintenance");
  let serviceId: string;
  let sender: Client;
  let senderTokenId: string;

  /** POST /v1/process with the service token; the status and the answer. */
  async function send(body: Record<string, unknown>, client = sender) {
    const { data, error, response } = await processIncident({ client, body });
    if (!data) throw new Error(`POST /v1/process: ${response?.status} ${JSON.stringify(error)}`);
    return { status: response?.status, result: data };
  }

  beforeAll(async () => {
    const created = await createService({ client: acme.admin, body: { name: "Database" } });
    serviceId = created.data?.id ?? "";
    await setServiceFilter({
      client: acme.admin,
      path: { serviceId },
      body: {
        triggers: [
          {
            urgency: "high",
            conditions: [{ key: "status", contains: ["firing"] }],
            titleKey: "commonAnnotations.summary",
            correlationKey: "groupKey",
          },
        ],
        resolve: {
          condition: { key: "status", contains: ["resolved"] },
          correlationKey: "groupKey",
        },
      },
    });
    const token = await createToken({
      client: acme.admin,
      body: { name: "db", scope: "service", serviceId },
    });
    sender = clientFor(service, token.data?.secret ?? "");
    senderTokenId = token.data?.token.id ?? "";
  });

  it("a tagged window suppresses matching payloads (202, logged), not others; resolves pass; DELETE ends it", async () => {
    const before = await send(alert("firing", "tagged-1", "Disk full on /var"));
    expect(before.status).toBe(201);

    const window = { start: minutes(-1), end: minutes(60), tags: [["disk", "/var"], ["deploy"]] };
    const put = await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: window,
    });
    expect(put.response?.status).toBe(200);
    expect(put.data).toMatchObject({ id: serviceId, state: "active", inMaintenance: true });
    expect(put.data?.maintenance).toEqual(window);
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data?.maintenance).toEqual(window);
    expect(shown.data?.inMaintenance).toBe(true);

    // Case-insensitive, every tag of one group: suppressed, answered 202, kept in the log.
    const suppressed = await send(alert("firing", "tagged-2", "DISK almost full on /VAR/lib"));
    expect(suppressed.status).toBe(202);
    expect(suppressed.result).toMatchObject({
      reason: "maintenance",
      triggered: { created: false, duplicate: false },
      incidents: [],
    });
    const logs = await listApiLogs({ client: acme.admin, query: { tokenId: senderTokenId } });
    const entry = logs.data?.items.find((item) => item.id === suppressed.result.id);
    expect(entry).toMatchObject({
      endpoint: "/v1/process",
      status: 202,
      decisions: [{ serviceId, kind: "suppressed", reason: "maintenance" }],
    });

    // "disk" without "/var", and no "deploy": not under maintenance.
    const other = await send(alert("firing", "tagged-3", "Disk slow on /data"));
    expect(other.status).toBe(201);
    // The debug-off token's created incident is not logged; only the suppressed call is.
    const after = await listApiLogs({ client: acme.admin, query: { tokenId: senderTokenId } });
    expect(after.data?.items.map((item) => item.id)).toEqual([suppressed.result.id]);

    // A resolve passes through maintenance, even one whose text matches the tags.
    const resolved = await send(alert("resolved", "tagged-1", "Disk full on /var"));
    expect(resolved.status).toBe(200);
    expect(resolved.result.resolved.resolved).toBe(true);

    const ended = await endServiceMaintenance({ client: acme.admin, path: { serviceId } });
    expect(ended.response?.status).toBe(204);
    const out = await getService({ client: acme.admin, path: { serviceId } });
    expect(out.data).not.toHaveProperty("maintenance");
    expect(out.data?.inMaintenance).toBe(false);
    const again = await send(alert("firing", "tagged-4", "Disk full on /var again"));
    expect(again.status).toBe(201);

    const incidents = await listIncidents({ client: acme.admin, query: { serviceId } });
    expect(incidents.data?.items.map((item) => item.title).sort()).toEqual(
      ["Disk full on /var", "Disk full on /var again", "Disk slow on /data"].sort(),
    );
  });

  it("no start and no end: every call is in maintenance now, until DELETE", async () => {
    const put = await setServiceMaintenance({ client: acme.admin, path: { serviceId }, body: {} });
    expect(put.data).toMatchObject({ maintenance: {}, inMaintenance: true });
    const suppressed = await send(alert("firing", "open-1", "Anything at all"));
    expect(suppressed.status).toBe(202);
    expect(suppressed.result.reason).toBe("maintenance");

    await endServiceMaintenance({ client: acme.admin, path: { serviceId } });
    // Ending it twice is no error.
    const twice = await endServiceMaintenance({ client: acme.admin, path: { serviceId } });
    expect(twice.response?.status).toBe(204);
    expect((await send(alert("firing", "open-2", "Anything at all"))).status).toBe(201);
  });

  it("a window that has not started, or has ended, suppresses nothing; PUT replaces the window", async () => {
    const later = { start: minutes(60), end: minutes(120) };
    const scheduled = await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: later,
    });
    expect(scheduled.data).toMatchObject({ maintenance: later, inMaintenance: false });
    expect((await send(alert("firing", "later-1", "Before the window"))).status).toBe(201);

    const past = { end: minutes(-1) };
    const replaced = await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: past,
    });
    expect(replaced.data?.maintenance).toEqual(past);
    expect(replaced.data?.inMaintenance).toBe(false);
    expect((await send(alert("firing", "later-2", "After the window"))).status).toBe(201);

    const untilEnded = { start: minutes(-5) };
    const started = await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: untilEnded,
    });
    expect(started.data).toMatchObject({ maintenance: untilEnded, inMaintenance: true });
    expect((await send(alert("firing", "later-3", "In the window"))).status).toBe(202);
    await endServiceMaintenance({ client: acme.admin, path: { serviceId } });
  });

  it("a disabled service creates nothing and logs nothing, even in maintenance and for debug tokens", async () => {
    const quiet = await newAccount(service, { accountName: "Quiet" });
    const other = await createService({ client: quiet.admin, body: { name: "Other" } });
    const otherId = other.data?.id ?? "";
    const issue = async (body: Parameters<typeof createToken>[0]["body"]) => {
      const { data } = await createToken({ client: quiet.admin, body });
      return { client: clientFor(service, data?.secret ?? ""), id: data?.token.id ?? "" };
    };
    const serviceToken = await issue({
      name: "default",
      scope: "service",
      serviceId: quiet.serviceId,
      debug: true,
    });
    const globalToken = await issue({ name: "all", scope: "global", debug: true });
    const path = { serviceId: quiet.serviceId };

    const disabled = await updateService({
      client: quiet.admin,
      path,
      body: { state: "disabled" },
    });
    expect(disabled.data).toMatchObject({ state: "disabled", inMaintenance: false });
    // Disabled wins over maintenance: nothing suppressed, nothing logged.
    await setServiceMaintenance({ client: quiet.admin, path, body: {} });

    const skipped = await send({ job: "nightly", failed: true }, serviceToken.client);
    expect(skipped.status).toBe(202);
    expect(skipped.result).toMatchObject({ reason: "no-active-service", incidents: [] });

    // A global token runs every active service and skips the disabled one.
    const global = await send({ job: "nightly", failed: "again" }, globalToken.client);
    expect(global.status).toBe(201);
    expect(global.result.incidents.map((incident) => incident.serviceId)).toEqual([otherId]);

    await updateService({
      client: quiet.admin,
      path: { serviceId: otherId },
      body: { state: "disabled" },
    });
    const none = await send({ job: "nightly", failed: "thrice" }, globalToken.client);
    expect(none.status).toBe(202);
    expect(none.result.reason).toBe("no-active-service");

    const logs = await listApiLogs({ client: quiet.admin });
    // Only the call that reached an active service; and only that service's decision in it.
    expect(logs.data?.items.map((item) => item.id)).toEqual([global.result.id]);
    expect(logs.data?.items[0]?.decisions).toEqual([
      expect.objectContaining({ serviceId: otherId, kind: "trigger" }),
    ]);
    const incidents = await listIncidents({
      client: quiet.admin,
      query: { serviceId: quiet.serviceId },
    });
    expect(incidents.data?.items).toEqual([]);

    // Active again: the maintenance set while disabled applies now, then DELETE ends it.
    const active = await updateService({ client: quiet.admin, path, body: { state: "active" } });
    expect(active.data).toMatchObject({ state: "active", inMaintenance: true });
    expect((await send({ job: "nightly", failed: 4 }, serviceToken.client)).result.reason).toBe(
      "maintenance",
    );
    await endServiceMaintenance({ client: quiet.admin, path });
    expect((await send({ job: "nightly", failed: 5 }, serviceToken.client)).status).toBe(201);
  });

  it("a service stored with the state maintenance shows as active with an open window, and DELETE ends it", async () => {
    const legacy = await createService({ client: acme.admin, body: { name: "Legacy" } });
    const legacyId = legacy.data?.id ?? "";
    await service.configureService(acme, { state: "maintenance" }, legacyId);
    const shown = await getService({ client: acme.admin, path: { serviceId: legacyId } });
    expect(shown.data).toMatchObject({ state: "active", maintenance: {}, inMaintenance: true });
    await endServiceMaintenance({ client: acme.admin, path: { serviceId: legacyId } });
    const ended = await getService({ client: acme.admin, path: { serviceId: legacyId } });
    expect(ended.data).toMatchObject({ state: "active", inMaintenance: false });
    expect(ended.data).not.toHaveProperty("maintenance");
  });

  it.each<[string, Record<string, unknown>]>([
    ["end before start", { start: minutes(60), end: minutes(30) }],
    ["end equal to start", { start: "2030-01-01T00:00:00Z", end: "2030-01-01T00:00:00Z" }],
  ])("422 names the field, which the schema cannot compare: %s", async (_name, body) => {
    const answer = await setServiceMaintenance({ client: acme.admin, path: { serviceId }, body });
    const problem = problemOf(answer, 422);
    expect(problem).toMatchObject({
      type: "/problems/unprocessable-content",
      detail: "end: must be after start.",
      errors: [{ field: "end", message: "must be after start" }],
    });
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data).not.toHaveProperty("maintenance");
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a start that is no date-time", { start: "tomorrow" }, "start"],
    ["11 tag groups", { tags: Array.from({ length: 11 }, (_, i) => [`t${i}`]) }, "tags"],
    ["11 tags in a group", { tags: [Array.from({ length: 11 }, (_, i) => `t${i}`)] }, "tags[0]"],
    ["a tag of 51 characters", { tags: [["ok"], ["ok", "x".repeat(51)]] }, "tags[1][1]"],
    ["a blank tag", { tags: [["disk"], ["   "]] }, "tags[1][0]"],
    ["an empty group", { tags: [[]] }, "tags[0]"],
    ["tags that are not groups", { tags: ["disk"] }, "tags[0]"],
  ])("400 names the field: %s", async (_name, body, field) => {
    const answer = await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: body as never,
    });
    const problem = problemOf(answer, 400);
    expect(problem.errors?.map((error) => error.field)).toContain(field);
    expect(problem.detail).toContain(field);
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data).not.toHaveProperty("maintenance");
  });

  it("10 groups of 10 tags of 50 characters are accepted", async () => {
    const tags = Array.from({ length: 10 }, (_, i) =>
      Array.from({ length: 10 }, (_, j) => `${i}-${j}-`.padEnd(50, "x")),
    );
    const put = await setServiceMaintenance({
      client: acme.admin,
      path: { serviceId },
      body: { tags },
    });
    expect(put.data?.maintenance?.tags).toEqual(tags);
    await endServiceMaintenance({ client: acme.admin, path: { serviceId } });
  });

  it("404 for an unknown service, 403 for an ingest token, 401 without one", async () => {
    const unknown = { serviceId: UNKNOWN_ID };
    problemOf(await setServiceMaintenance({ client: acme.admin, path: unknown, body: {} }), 404);
    problemOf(await endServiceMaintenance({ client: acme.admin, path: unknown }), 404);
    for (const [client, status] of [
      [acme.ingest, 403],
      [clientFor(service, ""), 401],
    ] as const) {
      problemOf(await setServiceMaintenance({ client, path: { serviceId }, body: {} }), status);
      problemOf(await endServiceMaintenance({ client, path: { serviceId } }), status);
    }
    const shown = await getService({ client: acme.admin, path: { serviceId } });
    expect(shown.data?.inMaintenance).toBe(false);
  });
});
