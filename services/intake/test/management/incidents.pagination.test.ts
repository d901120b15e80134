import { type IncidentPage, listIncidents } from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { serviceWithAccount, trigger } from "./support.js";

const BEFORE = 100;
const DURING = 250;
const PAGE = 10;
const SENDERS = 5;

/** Runs `count` calls through `senders` concurrent loops. */
async function inParallel(count: number, senders: number, call: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

describe("GET /v1/incidents pagination while incidents keep arriving", () => {
  const { acme } = serviceWithAccount("mgmt-paging", {
    RATE_LIMIT_PER_MINUTE: 0,
    ACCOUNT_RATE_LIMIT_PER_MINUTE: 0,
    DB_TIMEOUT_MS: 15_000,
  });
  const existing = new Set<string>();

  beforeAll(async () => {
    // Rate limits off (this suite sends hundreds of calls with one token on purpose) and a
    // patient database timeout: a busy machine must not turn a slow page into a 503.
    await inParallel(BEFORE, SENDERS, async (index) => {
      const result = await trigger(acme.ingest, { phase: "before", index });
      for (const incident of result.incidents) existing.add(incident.id);
    });
    expect(existing.size).toBe(BEFORE);
  }, 180_000);

  it(`pages hold no duplicates and reach every incident that existed before paging (${DURING} created meanwhile)`, async () => {
    const createdDuring = new Set<string>();
    let sending = true;
    const senders = inParallel(DURING, SENDERS, async (index) => {
      const result = await trigger(acme.ingest, { phase: "during", index });
      for (const incident of result.incidents) createdDuring.add(incident.id);
    }).finally(() => {
      sending = false;
    });

    const seen: string[] = [];
    let cursor: string | undefined;
    let pagesWhileSending = 0;
    do {
      const { data, error, response } = await listIncidents({
        client: acme.admin,
        query: { limit: PAGE, ...(cursor ? { cursor } : {}) },
      });
      expect(response?.status, JSON.stringify(error)).toBe(200);
      expect(data?.items.length).toBeLessThanOrEqual(PAGE);
      seen.push(...(data?.items.map((item) => item.id) ?? []));
      cursor = data?.nextCursor;
      if (sending) pagesWhileSending += 1;
      // Give the senders room, so that paging and inserting really interleave.
      await new Promise((resolve) => setTimeout(resolve, 40));
    } while (cursor);
    await senders;

    expect(pagesWhileSending).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    const missing = [...existing].filter((id) => !seen.includes(id));
    expect(missing).toEqual([]);
    // Newest first throughout: ids (time-ordered) strictly decrease.
    const sorted = [...seen].sort().reverse();
    expect(seen).toEqual(sorted);
    // Only incidents of this run: everything seen was created before or during paging.
    expect(seen.every((id) => existing.has(id) || createdDuring.has(id))).toBe(true);
    expect(createdDuring.size).toBe(DURING);

    // Once the senders stopped, a fresh walk sees all of them.
    const all: string[] = [];
    cursor = undefined;
    do {
      const { data, error }: { data?: IncidentPage; error?: unknown } = await listIncidents({
        client: acme.admin,
        query: { limit: 100, ...(cursor ? { cursor } : {}) },
      });
      expect(error).toBeUndefined();
      all.push(...(data?.items.map((item) => item.id) ?? []));
      cursor = data?.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(BEFORE + DURING);
  }, 180_000);
});
