import { getIncident, type IncidentEvent, listIncidentEvents } from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { newAccount, problemOf, raw, serviceWithAccount, trigger } from "./support.js";

describe("GET /v1/incidents/{incidentId}/events: an incident's events, paged", () => {
  const { service, acme } = serviceWithAccount("mgmt-events", { RATE_LIMIT_PER_MINUTE: 0 });
  let incidentId: string;
  const REPEATS = 30;

  beforeAll(async () => {
    await service.configureService(acme, {
      filter: { triggers: [{ urgency: "high", conditions: [], correlationKey: "check" }] },
    });
    const opened = await trigger(acme.ingest, { check: "disk" });
    incidentId = opened.incidents[0]?.id ?? "";
    for (let n = 1; n <= REPEATS; n += 1) {
      const repeat = await trigger(acme.ingest, { check: "disk", n });
      expect(repeat.incidents[0]?.action).toBe("duplicate");
    }
  }, 60_000);

  it("the incident carries the count and the latest 20 events, oldest first", async () => {
    const { data } = await getIncident({ client: acme.admin, path: { incidentId } });
    expect(data?.eventCount).toBe(REPEATS + 1);
    expect(data?.events).toHaveLength(20);
    expect(data?.events.every((event) => event.type === "duplicate")).toBe(true);
    const times = data?.events.map((event) => event.at) ?? [];
    expect([...times].sort()).toEqual(times);
    expect(data?.lastEventAt).toBe(times.at(-1));
  });

  it("pages every event once, newest first, ending with the one that opened it", async () => {
    const seen: IncidentEvent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { data } = await listIncidentEvents({
        client: acme.admin,
        path: { incidentId },
        query: { limit: 7, ...(cursor ? { cursor } : {}) },
      });
      seen.push(...(data?.items ?? []));
      cursor = data?.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBe(Math.ceil((REPEATS + 1) / 7));
    expect(seen).toHaveLength(REPEATS + 1);
    expect(seen.at(-1)?.type).toBe("triggered");
    expect(seen.slice(0, -1).every((event) => event.type === "duplicate")).toBe(true);
    const times = seen.map((event) => event.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("takes every cursor of the documented form (a place in the order), refuses others with 400", async () => {
    const headers = { authorization: `Bearer ${acme.adminToken.secret}` };
    const path = `/v1/incidents/${incidentId}/events`;
    // Past every event: only the opening one is left.
    const past = await raw(service, "GET", `${path}?cursor=AAAAAAAAAAAAAAAA`, { headers });
    expect(past.status).toBe(200);
    expect((past.json as { items: IncidentEvent[] }).items.map((e) => e.type)).toEqual([
      "triggered",
    ]);
    const future = await raw(service, "GET", `${path}?cursor=_____________________`, { headers });
    expect(future.status).toBe(200);
    expect((future.json as { items: unknown[] }).items).toHaveLength(25);
    const short = await raw(service, "GET", `${path}?cursor=AAAA`, { headers });
    expect(short.status).toBe(400);
  });

  it("404 for an incident of another account, or none", async () => {
    const other = await newAccount(service, { accountName: "Globex" });
    problemOf(await listIncidentEvents({ client: other.admin, path: { incidentId } }), 404);
    problemOf(await listIncidentEvents({ client: acme.admin, path: { incidentId: "nope" } }), 404);
  });
});
