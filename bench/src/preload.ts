/**
 * BENCH_OPEN_INCIDENTS: the database as months of running leave it, before the load. Open
 * incidents stored through the service's repositories, each with its open-incident claim (in
 * `deliveries`, no expiry) and the delivery that opened it, past its window: the claims then sit
 * at the front of `deliveries` among expired deliveries, where the sweeps read (ADR 0001).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Repositories } from "@sqibs/intake";
import { type Opener, withRepositories } from "./configure.js";
import { cycleTemplates, render } from "./payloads.js";

export interface Preloaded {
  incidents: number;
  seconds: number;
}

/** How long a sweep took, and what it deleted or why it failed. */
export interface Sweep {
  seconds: number;
  deleted?: number;
  failed?: string;
}

export interface SweepTimes {
  /** One sweeper pass over expired deliveries (deleteExpired). */
  pass: Sweep;
  /** The hourly scan (deleteAllExpired). */
  all: Sweep;
  /** A pass again after it: what every tick costs while nothing expired is left in reach. */
  again: Sweep;
  /** Documents in `deliveries` before the passes. */
  deliveries: number;
}

/** Openings stored at once: the repositories' insert batches group them (group commit). */
const PRELOAD_CHUNK = 500;
/** The opening delivery's window: it has passed once the preload is done. */
const EXPIRED_WINDOW_MS = 1;
/** A preload of 50,000 incidents makes FerretDB slow to answer the first commands. */
const DB_TIMEOUT_MS = 30_000;

/**
 * Stores `count` open incidents of the service, each from a firing Alertmanager group of its own
 * (the cycle's opening body), as the ingest path stores them: the delivery's claim, then
 * openOrAppend (the open-incident claim, the incident). The one-time backfills (the claims', the
 * auto-resolve schedule's) are done first, on the empty collections, as a database that ran for
 * months has them done: else the service's first sweeper tick scans every incident.
 */
export async function preloadOpenIncidents(
  uri: string,
  dbName: string,
  target: Opener,
  count: number,
): Promise<Preloaded> {
  const started = performance.now();
  await withRepositories(uri, dbName, DB_TIMEOUT_MS, async (repositories) => {
    await repositories.incidents.autoResolveDue(new Date(0), "preload", 1, async () => {});
    const [opening] = cycleTemplates();
    if (!opening) throw new Error("the cycle has no opening body");
    const runTag = randomBytes(4).toString("hex");
    for (let from = 0; from < count; from += PRELOAD_CHUNK) {
      const size = Math.min(PRELOAD_CHUNK, count - from);
      await Promise.all(
        Array.from({ length: size }, (_, offset) =>
          storeOpenIncident(repositories, target, render(opening, idOf(runTag, from + offset))),
        ),
      );
    }
    await repositories.incidents.flushNumberHints();
  });
  return { incidents: count, seconds: (performance.now() - started) / 1000 };
}

/** Times a sweeper pass over expired deliveries, the hourly scan, and a pass again, on the database as it is. */
export async function timeSweeps(uri: string, dbName: string): Promise<SweepTimes> {
  return withRepositories(uri, dbName, DB_TIMEOUT_MS, async (repositories) => {
    const deliveries = await repositories.database.db
      .collection("deliveries")
      .estimatedDocumentCount();
    const pass = await timed(() => repositories.deliveries.deleteExpired());
    const all = await timed(() => repositories.deliveries.deleteAllExpired());
    const again = await timed(() => repositories.deliveries.deleteExpired());
    return { pass, all, again, deliveries };
  });
}

async function storeOpenIncident(
  repositories: Repositories,
  { accountId, serviceId, tokenId }: Opener,
  payload: { contentType: string; body: string },
): Promise<void> {
  const alertGroup = JSON.parse(payload.body) as {
    groupKey: string;
    commonAnnotations: { summary: string; description: string };
  };
  const digest = createHash("sha256").update(payload.body).digest("hex");
  const claim = await repositories.deliveries.claim(digest, EXPIRED_WINDOW_MS, digest);
  if (claim.role !== "owner") throw new Error("a preloaded delivery was not new");
  const now = new Date();
  const outcome = await repositories.incidents.openOrAppend(
    {
      accountId,
      serviceId,
      title: alertGroup.commonAnnotations.summary,
      description: alertGroup.commonAnnotations.description,
      urgency: "high",
      status: "triggered",
      correlationKey: alertGroup.groupKey,
      payload: { contentType: payload.contentType, body: Buffer.from(payload.body) },
      createdAt: now,
      updatedAt: now,
      deliveryId: `${digest}:${serviceId}`,
    },
    {
      at: now,
      type: "triggered",
      actor: `token:${tokenId}`,
      callId: randomBytes(12).toString("hex"),
    },
    async () => {},
  );
  if (outcome.action !== "created") throw new Error("a preloaded alert group was not new");
  await repositories.deliveries.complete(
    claim,
    201,
    JSON.stringify({ id: outcome.incident.id, number: outcome.incident.number }),
  );
}

function idOf(runTag: string, index: number): string {
  return `pre${runTag}${String(index).padStart(9, "0")}`;
}

/** A sweep that fails is reported, not thrown: the load is measured after it all the same. */
async function timed(run: () => Promise<number>): Promise<Sweep> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const deleted = await run();
    return { seconds: seconds(), deleted };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { seconds: seconds(), failed: message.split("\n")[0] ?? message };
  }
}
