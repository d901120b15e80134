import { EndpointLimiter } from "@sqibs/webhooks";
import type { AppDeps } from "../container.js";
import { countDue, type DueWork, deliverRound, findDueWork } from "../usecases/dispatch.js";

export interface Dispatcher {
  /** Looks for due deliveries now (also done on every enqueue, freed slot and poll). */
  wake(): void;
  /** Stops looking for work; resolves when the attempts in flight have ended (or `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/** Queue entries read per scan: the ones not sent at once wait in memory for a free slot. */
const SCAN_BATCH = 256;
/** Entries kept waiting in memory at most (older ones first). */
const MAX_WAITING = 1_024;
/** Deliveries under way at most: sent or being sent, with their outcomes still being written. */
const MAX_UNDER_WAY = 256;
/** A disabled webhook's entries are left out of the scans this long (enabling it wakes us). */
const PAUSE_MS = 5_000;
/** The queue's depth is counted for the metric at most this often. */
const COUNT_EVERY_MS = 5_000;
/**
 * Scans start at most this often. Every stored event wakes the dispatcher, and on a database
 * that reads whole collections (FerretDB) a scan per event would take the time ingest needs.
 */
const MIN_SCAN_GAP_MS = 200;

/**
 * Sends outgoing webhooks (docs/webhooks.md), in every instance: scans the queue for due
 * deliveries (usecases/dispatch.ts claims each round by an insert, so several instances share
 * the work and each round is sent once), with at most WEBHOOK_MAX_IN_FLIGHT attempts in
 * flight per webhook in this instance. A webhook at its limit is left out of the scan, so a
 * slow receiver never holds back another's deliveries. Woken by the outbox when it stores
 * something, by every freed slot, and every WEBHOOK_POLL_INTERVAL_MS.
 */
export function startDispatcher(deps: AppDeps): Dispatcher {
  const limiter = new EndpointLimiter(deps.config.WEBHOOK_MAX_IN_FLIGHT);
  /** The attempts in flight, by delivery id, with their webhook. */
  const inFlight = new Map<string, { webhookId: string; attempt: Promise<void> }>();
  const pausedUntil = new Map<string, number>();
  let waiting: DueWork[] = [];
  let scanning: Promise<void> | undefined;
  let scanAgain = false;
  let stopped = false;
  let countedAt = 0;
  let scannedAt = 0;

  /** Starts what the slots allow from the entries read by the last scan. */
  function sendWaiting(): void {
    const left: DueWork[] = [];
    for (const work of waiting) {
      if (stopped || inFlight.has(work.entry.deliveryId)) continue;
      if (inFlight.size >= MAX_UNDER_WAY) {
        left.push(work);
        continue;
      }
      const release = limiter.tryAcquire(work.webhook.id);
      if (!release) {
        left.push(work);
        continue;
      }
      const { deliveryId } = work.entry;
      // The slot is free once the request is (its outcome is written meanwhile); the delivery
      // is left out of the scans until then.
      const attempt = deliverRound(deps, work, release)
        .catch((error: unknown) => {
          deps.logger.warn({ err: error, deliveryId }, "webhook delivery failed; it stays queued");
        })
        .finally(() => {
          release();
          inFlight.delete(deliveryId);
        });
      inFlight.set(deliveryId, { webhookId: work.webhook.id, attempt });
    }
    waiting = left;
  }

  async function scanOnce(): Promise<void> {
    const now = Date.now();
    for (const [id, until] of pausedUntil) if (until <= now) pausedUntil.delete(id);
    const { work, paused } = await findDueWork(
      deps,
      { webhookIds: [...busyWebhooks(), ...pausedUntil.keys()], deliveryIds: [...inFlight.keys()] },
      SCAN_BATCH,
    );
    for (const id of paused) pausedUntil.set(id, now + PAUSE_MS);
    // Added to what waits already (a scan leaves out the webhooks whose slots are taken: what
    // waits for them stays), in another order than other instances', which read the same
    // entries: fewer lost claims.
    const known = new Set(waiting.map((item) => item.entry.deliveryId));
    const added = work.filter((item) => !known.has(item.entry.deliveryId));
    waiting = [...waiting, ...shuffled(added)].slice(0, MAX_WAITING);
    sendWaiting();
    if (now - countedAt >= COUNT_EVERY_MS) {
      countedAt = now;
      deps.metrics.webhookDue.set(await countDue(deps));
    }
  }

  /** Webhooks whose slots are all taken in this instance: their entries are not read. */
  function busyWebhooks(): string[] {
    const ids = new Set([...inFlight.values()].map((flight) => flight.webhookId));
    return [...ids].filter((id) => limiter.inFlight(id) >= limiter.limit);
  }

  function wake(): void {
    if (stopped) return;
    if (scanning) {
      scanAgain = true;
      return;
    }
    scanning = (async () => {
      do {
        scanAgain = false;
        const gap = scannedAt + MIN_SCAN_GAP_MS - Date.now();
        if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
        if (stopped) return;
        scannedAt = Date.now();
        try {
          await scanOnce();
        } catch (error) {
          deps.logger.warn(
            { err: error },
            "webhook dispatcher scan failed; retrying on the next poll",
          );
          return;
        }
      } while (scanAgain && !stopped);
    })().finally(() => {
      scanning = undefined;
    });
  }

  const stopFreed = limiter.onFreed(() => {
    sendWaiting();
    if (waiting.length === 0) wake();
  });
  // What was stored waits for the entries read already (they are older), or for the poll.
  const stopQueued = deps.webhooks.queued.listen(() => {
    pausedUntil.clear();
    if (waiting.length === 0) wake();
  });
  const timer = setInterval(wake, deps.config.WEBHOOK_POLL_INTERVAL_MS);
  timer.unref();
  wake();

  return {
    wake,
    async stop(timeoutMs = deps.config.SHUTDOWN_TIMEOUT_MS) {
      stopped = true;
      clearInterval(timer);
      stopFreed();
      stopQueued();
      const deadline = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([
        Promise.allSettled([scanning, ...[...inFlight.values()].map((flight) => flight.attempt)]),
        deadline,
      ]);
    },
  };
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
