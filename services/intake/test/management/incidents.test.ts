import {
  acknowledgeIncident,
  createService,
  createToken,
  getIncident,
  listIncidents,
  resolveIncident,
  setServiceFilter,
  unacknowledgeIncident,
} from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  openIncident,
  problemOf,
  raw,
  serviceWithAccount,
  trigger,
  UNKNOWN_ID,
} from "./support.js";

describe("/v1/incidents", () => {
  const { service, acme } = serviceWithAccount("mgmt-incidents");
  const adminActor = () => `token:${acme.adminToken.token.id}`;

  it("200: GET shows the incident with its events and the raw payload", async () => {
    const result = await trigger(acme.ingest, { note: "disk full" }, "Zabbix");
    const id = result.incidents[0]?.id ?? "";
    const { data, response } = await getIncident({ client: acme.admin, path: { incidentId: id } });
    expect(response?.status).toBe(200);
    expect(data).toMatchObject({
      id,
      number: result.incidents[0]?.number,
      serviceId: acme.serviceId,
      title: "Incident from Zabbix",
      status: "triggered",
      urgency: "high",
      source: "Zabbix",
      eventCount: 1,
      events: [{ type: "triggered", actor: `token:${acme.globalToken.token.id}` }],
      payload: { contentType: "application/json" },
    });
    const body = data?.payload.body ?? "";
    expect(JSON.parse(body)).toMatchObject({ note: "disk full" });
    expect(data?.description).toBe(body);
    expect(Buffer.from(data?.payload.bodyBase64 ?? "", "base64").toString("utf8")).toBe(body);
  });

  it("the payload's bytes come back exactly: text when valid UTF-8, always as base64", async () => {
    const bytes = Buffer.from([0x66, 0x6f, 0x6f, 0xff, 0xfe, 0x00, 0x0a]);
    const posted = await fetch(`${service.url}/v1/process`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${acme.globalToken.secret}`,
        "content-type": "application/octet-stream",
      },
      body: bytes,
    });
    const id = ((await posted.json()) as { incidents: Array<{ id: string }> }).incidents[0]?.id;
    const { data } = await getIncident({ client: acme.admin, path: { incidentId: id ?? "" } });
    expect(data?.payload.contentType).toBe("application/octet-stream");
    expect(data?.payload).not.toHaveProperty("body");
    expect(Buffer.from(data?.payload.bodyBase64 ?? "", "base64").equals(bytes)).toBe(true);

    const text = "\uFEFFline one\u0000 ünïcødé\n";
    const sent = await fetch(`${service.url}/v1/process`, {
      method: "POST",
      headers: { authorization: `Bearer ${acme.globalToken.secret}`, "content-type": "text/plain" },
      body: text,
    });
    const textId = ((await sent.json()) as { incidents: Array<{ id: string }> }).incidents[0]?.id;
    const shown = await getIncident({ client: acme.admin, path: { incidentId: textId ?? "" } });
    expect(shown.data?.payload.body).toBe(text);
  });

  it("lists each incident with its event count and latest event time, quiet or not", async () => {
    const quietId = await openIncident(acme.ingest);
    const busyId = await openIncident(acme.ingest);
    await acknowledgeIncident({ client: acme.admin, path: { incidentId: busyId } });
    const resolved = await resolveIncident({ client: acme.admin, path: { incidentId: busyId } });
    const { data } = await listIncidents({ client: acme.admin, query: { limit: 10 } });
    const quiet = data?.items.find((item) => item.id === quietId);
    const busy = data?.items.find((item) => item.id === busyId);
    const quietView = await getIncident({ client: acme.admin, path: { incidentId: quietId } });
    expect(quiet).toMatchObject({ eventCount: 1, lastEventAt: quietView.data?.createdAt });
    expect(busy).toMatchObject({
      status: "resolved",
      eventCount: 3,
      lastEventAt: resolved.data?.events.at(-1)?.at,
    });
  });

  it("acknowledge → unacknowledge → acknowledge → resolve, each an event with actor and comment", async () => {
    const incidentId = await openIncident(acme.ingest);
    const path = { incidentId };
    const acked = await acknowledgeIncident({
      client: acme.admin,
      path,
      body: { comment: "Looking into it." },
    });
    expect(acked.response?.status).toBe(200);
    expect(acked.data).toMatchObject({ status: "acknowledged", eventCount: 2 });
    expect(acked.data?.acknowledgedAt).toBeDefined();
    expect(acked.data?.events.at(-1)).toMatchObject({
      type: "acknowledged",
      actor: adminActor(),
      comment: "Looking into it.",
    });

    const unacked = await unacknowledgeIncident({ client: acme.admin, path });
    expect(unacked.data).toMatchObject({ status: "triggered", eventCount: 3 });
    expect(unacked.data?.events.at(-1)).toMatchObject({
      type: "unacknowledged",
      actor: adminActor(),
    });
    expect(unacked.data?.events.at(-1)).not.toHaveProperty("comment");

    await acknowledgeIncident({ client: acme.admin, path });
    const resolved = await resolveIncident({
      client: acme.admin,
      path,
      body: { comment: "Fixed." },
    });
    expect(resolved.data).toMatchObject({ status: "resolved", eventCount: 5 });
    expect(resolved.data?.resolvedAt).toBeDefined();
    expect(resolved.data?.events.map((event) => event.type)).toEqual([
      "triggered",
      "acknowledged",
      "unacknowledged",
      "acknowledged",
      "resolved",
    ]);
  });

  it("resolve works straight from triggered", async () => {
    const incidentId = await openIncident(acme.ingest);
    const { data } = await resolveIncident({ client: acme.admin, path: { incidentId } });
    expect(data?.status).toBe("resolved");
  });

  it("a resolved incident frees its correlation value: the next trigger opens a new incident", async () => {
    const { data: svc } = await createService({ client: acme.admin, body: { name: "Correlated" } });
    const serviceId = svc?.id ?? "";
    await setServiceFilter({
      client: acme.admin,
      path: { serviceId },
      body: { triggers: [{ urgency: "high", conditions: [], correlationKey: "check" }] },
    });
    const token = await createToken({
      client: acme.admin,
      body: { name: "c", scope: "service", serviceId },
    });
    const sender = clientFor(service, token.data?.secret ?? "");
    const first = await openIncident(sender, { check: "db" });
    const repeat = await trigger(sender, { check: "db" });
    expect(repeat.incidents[0]).toMatchObject({ id: first, action: "duplicate" });
    await resolveIncident({ client: acme.admin, path: { incidentId: first } });
    const next = await trigger(sender, { check: "db" });
    expect(next.incidents[0]?.action).toBe("created");
    expect(next.incidents[0]?.id).not.toBe(first);
  });

  it.each([
    ["acknowledge", "acknowledged", acknowledgeIncident],
    ["unacknowledge", "triggered", unacknowledgeIncident],
    ["acknowledge", "resolved", acknowledgeIncident],
    ["unacknowledge", "resolved", unacknowledgeIncident],
    ["resolve", "resolved", resolveIncident],
  ] as const)("409: %s an incident that is %s", async (_action, state, transition) => {
    const incidentId = await openIncident(acme.ingest);
    const path = { incidentId };
    if (state === "acknowledged") await acknowledgeIncident({ client: acme.admin, path });
    if (state === "resolved") await resolveIncident({ client: acme.admin, path });
    const before = await getIncident({ client: acme.admin, path });
    const answer = await transition({ client: acme.admin, path });
    expect(problemOf(answer, 409).detail).toContain(`is ${state}`);
    const after = await getIncident({ client: acme.admin, path });
    expect(after.data?.eventCount).toBe(before.data?.eventCount);
  });

  it("404: unknown or malformed ids, for GET and every transition", async () => {
    for (const incidentId of [UNKNOWN_ID, "42", "not-an-id"]) {
      const path = { incidentId };
      problemOf(await getIncident({ client: acme.admin, path }), 404);
      problemOf(await acknowledgeIncident({ client: acme.admin, path }), 404);
      problemOf(await unacknowledgeIncident({ client: acme.admin, path }), 404);
      problemOf(await resolveIncident({ client: acme.admin, path }), 404);
    }
  });

  it("400: a blank or too long comment; 415: a comment that is not JSON", async () => {
    const incidentId = await openIncident(acme.ingest);
    const path = { incidentId };
    const long = await acknowledgeIncident({
      client: acme.admin,
      path,
      body: { comment: "x".repeat(2001) },
    });
    expect(problemOf(long, 400).errors?.[0]?.field).toBe("comment");
    const text = await raw(service, "POST", `/v1/incidents/${incidentId}/acknowledge`, {
      headers: { authorization: `Bearer ${acme.adminToken.secret}`, "content-type": "text/plain" },
      body: "on it",
    });
    expect(text.status).toBe(415);
    expect((await getIncident({ client: acme.admin, path })).data?.status).toBe("triggered");
  });

  it("401 and 403 for every operation", async () => {
    const incidentId = await openIncident(acme.ingest);
    const path = { incidentId };
    for (const [client, status] of [
      [clientFor(service, ""), 401],
      [clientFor(service, "sqibs_a_unknown"), 401],
      [acme.ingest, 403],
    ] as const) {
      problemOf(await listIncidents({ client }), status);
      problemOf(await getIncident({ client, path }), status);
      problemOf(await acknowledgeIncident({ client, path }), status);
      problemOf(await unacknowledgeIncident({ client, path }), status);
      problemOf(await resolveIncident({ client, path }), status);
    }
    expect((await getIncident({ client: acme.admin, path })).data?.status).toBe("triggered");
  });
});

describe("GET /v1/incidents", () => {
  const { service, acme } = serviceWithAccount("mgmt-incident-list");
  let other: string;
  const ids: string[] = [];

  beforeAll(async () => {
    const created = await createService({ client: acme.admin, body: { name: "Other" } });
    other = created.data?.id ?? "";
    const token = await createToken({
      client: acme.admin,
      body: { name: "o", scope: "service", serviceId: other },
    });
    const toOther = clientFor(service, token.data?.secret ?? "");
    // The global token opens one incident in each of the two services.
    for (const from of ["Prometheus", "Grafana", "Prometheus"]) {
      const result = await trigger(acme.ingest, {}, from);
      ids.push(...result.incidents.map((incident) => incident.id));
    }
    ids.push(await openIncident(toOther, {}, "Cron"));
    await acknowledgeIncident({ client: acme.admin, path: { incidentId: ids[0] ?? "" } });
    await resolveIncident({ client: acme.admin, path: { incidentId: ids[1] ?? "" } });
  });

  it("200: newest first, summaries without description, events or payload", async () => {
    const { data } = await listIncidents({ client: acme.admin });
    expect(data?.items.map((item) => item.id)).toEqual([...ids].reverse());
    expect(data?.nextCursor).toBeUndefined();
    const numbers = data?.items.map((item) => item.number) ?? [];
    expect([...numbers].sort((a, b) => b - a)).toEqual(numbers);
    for (const item of data?.items ?? []) {
      expect(item).not.toHaveProperty("events");
      expect(item).not.toHaveProperty("payload");
      expect(item).not.toHaveProperty("description");
    }
  });

  it("filters by status, service and source", async () => {
    const byStatus = await listIncidents({ client: acme.admin, query: { status: "acknowledged" } });
    expect(byStatus.data?.items.map((item) => item.id)).toEqual([ids[0]]);
    const open = await listIncidents({ client: acme.admin, query: { status: "triggered" } });
    expect(open.data?.items).toHaveLength(ids.length - 2);
    const byService = await listIncidents({ client: acme.admin, query: { serviceId: other } });
    expect(byService.data?.items.every((item) => item.serviceId === other)).toBe(true);
    expect(byService.data?.items).toHaveLength(4);
    const bySource = await listIncidents({ client: acme.admin, query: { source: "Cron" } });
    expect(bySource.data?.items.map((item) => item.id)).toEqual([ids.at(-1)]);
    const both = await listIncidents({
      client: acme.admin,
      query: { source: "Prometheus", serviceId: acme.serviceId },
    });
    expect(both.data?.items).toHaveLength(2);
    const none = await listIncidents({ client: acme.admin, query: { serviceId: UNKNOWN_ID } });
    expect(none.data?.items).toEqual([]);
  });

  it("source= is cleaned as `from` is: empty means no filter, directional formatting is removed", async () => {
    const headers = { authorization: `Bearer ${acme.adminToken.secret}` };
    const all = await raw(service, "GET", "/v1/incidents?limit=100", { headers });
    for (const query of ["source=", "source=%20%20"]) {
      const empty = await raw(service, "GET", `/v1/incidents?limit=100&${query}`, { headers });
      expect(empty.status).toBe(200);
      expect(empty.json).toEqual(all.json);
    }
    // U+202E (right-to-left override) before the name, as a sender might have sent it in `from`.
    const cleaned = await raw(service, "GET", "/v1/incidents?source=%E2%80%AECron", { headers });
    expect((cleaned.json as { items: Array<{ id: string }> }).items.map((item) => item.id)).toEqual(
      [ids.at(-1)],
    );
    // Reserved characters are allowed (allowReserved): a name with & or / is a name.
    const reserved = await raw(service, "GET", "/v1/incidents?source=a%26b%2Fc", { headers });
    expect(reserved.status).toBe(200);
    expect(reserved.json).toEqual({ items: [] });
  });

  it("pages with limit and cursor until nextCursor is absent", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { data } = await listIncidents({
        client: acme.admin,
        query: { limit: 3, ...(cursor ? { cursor } : {}) },
      });
      seen.push(...(data?.items.map((item) => item.id) ?? []));
      cursor = data?.nextCursor;
      pages += 1;
      expect(data?.items.length).toBeLessThanOrEqual(3);
    } while (cursor);
    expect(pages).toBe(Math.ceil(ids.length / 3));
    expect(seen).toEqual([...ids].reverse());
  });

  it("400: limit out of 1..100, a cursor it did not issue, a bad filter", async () => {
    for (const limit of [0, 101]) {
      const answer = await listIncidents({ client: acme.admin, query: { limit } });
      expect(problemOf(answer, 400).errors?.[0]?.field).toBe("limit");
    }
    for (const cursor of ["nope", "AAAAAAAAAAAAAAAAAAAA", "%%%%"]) {
      const answer = await listIncidents({ client: acme.admin, query: { cursor } });
      expect(problemOf(answer, 400).errors?.[0]).toEqual({
        field: "cursor",
        message: "not a cursor from a previous page",
      });
    }
    // Every cursor of the documented form (16 base64url characters) is a place in the order.
    for (const cursor of ["AAAAAAAAAAAAAAAA", "________________"]) {
      const answer = await listIncidents({ client: acme.admin, query: { cursor } });
      expect(answer.response?.status).toBe(200);
    }
    const status = await listIncidents({
      client: acme.admin,
      query: { status: "open" as "triggered" },
    });
    expect(problemOf(status, 400).errors?.[0]?.field).toBe("status");
    const badService = await listIncidents({ client: acme.admin, query: { serviceId: "x" } });
    expect(problemOf(badService, 400).errors?.[0]?.field).toBe("serviceId");
    const unknown = await raw(service, "GET", "/v1/incidents?sort=asc", {
      headers: { authorization: `Bearer ${acme.adminToken.secret}` },
    });
    expect(unknown.status).toBe(400);
  });
});
