import { freePort } from "@sqibs/testing";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { storedBytes } from "../ingest/support.js";
import { type ChildService, killService, seedDatabase, sleep, spawnService } from "./support.js";

/** About 10 ingest calls a second get stored on the test database (FerretDB on SQLite). */
const EVENTS = 200;
const IN_FLIGHT = 8;
/** SIGKILL the service when this many events have been acknowledged, then restart it. */
const KILL_AT = [40, 90, 140];

interface Figures {
  sent: number;
  attempts: number;
  kills: number;
  acknowledged: number;
  storedIds: number;
  storedIncidents: number;
  duplicates: number;
  unexpected: string[];
}

/**
 * A 2xx means the event is stored, even when the service is killed mid-load. The service
 * runs as a child process; a sender that, like Alertmanager, retries every call that got no
 * answer or a 5xx until it gets a 2xx, pushes EVENTS text events with unique ids through it
 * while it is killed (SIGKILL, no shutdown) and restarted KILL_AT.length times.
 */
describe("durability: every acknowledged event is stored, through SIGKILLs", () => {
  let seed: Awaited<ReturnType<typeof seedDatabase>>;
  let service: ChildService | undefined;
  const stored = new Map<number, number>();
  const figures: Figures = {
    sent: EVENTS,
    attempts: 0,
    kills: 0,
    acknowledged: 0,
    storedIds: 0,
    storedIncidents: 0,
    duplicates: 0,
    unexpected: [],
  };
  const acknowledged = new Set<number>();

  beforeAll(async () => {
    const uri = inject("mongodbUri");
    seed = await seedDatabase(uri, "durability");
    const port = await freePort();
    const env = {
      MONGODB_URI: uri,
      MONGODB_DB: seed.dbName,
      LOG_LEVEL: "error",
      RATE_LIMIT_PER_MINUTE: "0",
      ACCOUNT_RATE_LIMIT_PER_MINUTE: "0",
    };
    service = await spawnService(env, port);
    const url = service.url;
    const secret = seed.account.globalToken.secret;

    let next = 0;
    let restarting: Promise<void> | undefined;
    const killsDue = [...KILL_AT];

    const maybeKill = () => {
      const due = killsDue[0];
      if (due === undefined || acknowledged.size < due || restarting) return;
      killsDue.shift();
      restarting = (async () => {
        await killService(service);
        figures.kills += 1;
        service = await spawnService(env, port);
        restarting = undefined;
      })();
    };

    const deliver = async (id: number) => {
      for (;;) {
        figures.attempts += 1;
        try {
          const response = await fetch(`${url}/v1/process`, {
            method: "POST",
            headers: { authorization: `Bearer ${secret}`, "content-type": "text/plain" },
            body: `durability event #${id}#`,
            signal: AbortSignal.timeout(20_000),
          });
          await response.arrayBuffer();
          if (response.ok) {
            acknowledged.add(id);
            maybeKill();
            return;
          }
          if (response.status < 500) figures.unexpected.push(`#${id}: ${response.status}`);
        } catch {
          // No answer (the service was killed, or is restarting): retry, as Alertmanager does.
        }
        await sleep(50);
      }
    };

    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let id = next++; id < EVENTS; id = next++) await deliver(id);
      }),
    );
    await restarting;
    figures.acknowledged = acknowledged.size;

    const incidents = await seed.repositories.database.db
      .collection<{ description?: string }>("incidents")
      .find(
        { accountId: new ObjectId(seed.account.account.id) },
        { projection: { description: 1, payload: 1 } },
      )
      .toArray();
    figures.storedIncidents = incidents.length;
    for (const incident of incidents) {
      // The description is the whole (text) payload: stored once, as the payload.
      const text = incident.description ?? storedBytes(incident).toString("utf8");
      const id = Number(/^durability event #(\d+)#$/.exec(text)?.[1] ?? -1);
      stored.set(id, (stored.get(id) ?? 0) + 1);
    }
    figures.storedIds = [...stored.keys()].filter((id) => id >= 0).length;
    figures.duplicates = [...stored.values()].reduce((sum, count) => sum + count - 1, 0);
    console.log(`durability figures: ${JSON.stringify(figures)}`);
  }, 240_000);

  afterAll(async () => {
    await killService(service);
    await seed?.close();
  });

  it(`killed the service ${KILL_AT.length} times mid-load and got every event acknowledged`, () => {
    expect(figures.kills).toBe(KILL_AT.length);
    expect(figures.acknowledged).toBe(EVENTS);
    expect(figures.unexpected).toEqual([]);
    // Calls were lost to the kills and retried.
    expect(figures.attempts).toBeGreaterThan(EVENTS);
  });

  it("stores every acknowledged event at least once", () => {
    const missing = [...acknowledged].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(stored.has(-1)).toBe(false);
  });

  // Exactly once: a retried delivery whose first attempt was stored but never answered (the
  // process died in between) must be recognised as a retry (same body, same token, within the
  // duplicate window) and not stored again — the ingest use case's delivery de-duplication.
  it("stores every acknowledged event exactly once (retries are de-duplicated)", () => {
    const twice = [...stored.entries()].filter(([, count]) => count > 1).map(([id]) => id);
    expect(twice).toEqual([]);
    expect(figures.storedIncidents).toBe(EVENTS);
  });
});
