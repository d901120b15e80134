import { EndpointLimiter } from "@sqibs/webhooks";
import type { AppDeps, JournaledEvent } from "../container.js";
import { deliveryIdOf, type QueuedDelivery } from "../repositories/index.js";
import {
  type ClaimedWork,
  claimRounds,
  countDue,
  type DueScan,
  type DueWork,
  dueWorkOf,
  findDueWork,
  type JournalHold,
  NO_LEASE_END,
  recordJournaledRounds,
  recordRounds,
  releaseRounds,
  type SentRound,
  sendRound,
} from "../usecases/dispatch.js";
import { settleSequences, storeJournaled } from "../usecases/journal.js";

export interface Dispatcher {
  /** Looks for due deliveries soon (also done on every enqueue, ended attempt and poll). */
  wake(): void;
  /**
   * Stops looking for work; resolves when the attempts in flight have ended and been recorded,
   * and the rounds claimed but not sent given back (or after `timeoutMs`).
   */
  stop(timeoutMs?: number): Promise<void>;
}

/** Queue entries read per tick at most. */
const SCAN_BATCH = 512;
/**
 * Rounds claimed per webhook and not yet ended, at most (in flight and waiting for a slot):
 * with a tick a second under load, what one fast receiver gets a second at most (512 held
 * it below ingest's pace: at 64 connections about 580 events a second were stored, and the
 * queue grew, and with it the cost of every scan and delete of it).
 */
const MAX_CLAIMED_PER_WEBHOOK = 1_024;
/** Rounds claimed and waiting for a slot at most, every webhook together. */
const MAX_WAITING = 2_048;
/** Attempts in flight at most, every webhook together. */
const MAX_IN_FLIGHT = 256;
/**
 * Entries handed over by this instance's outbox and waiting for a claim, at most; more are
 * left to the scans.
 */
const MAX_HANDED = 4_096;
/**
 * While the outbox hands entries over and every attempt succeeds, the queue is scanned this
 * often at most (each scan reads the whole queue on FerretDB): it then finds only what other
 * instances left (after a crash, or due while they were busy). A failed attempt or a round
 * given back brings the scans back to every poll.
 */
const SCAN_WHILE_HANDED_MS = 5_000;
/** A disabled webhook's entries are left out of the scans this long (enabling it wakes us). */
const PAUSE_MS = 5_000;
/**
 * A round another instance claimed first is left out of the scans this long: it is likely sent
 * by then (or, if that instance died, taken over once its lease runs out).
 */
const ELSEWHERE_MS = 3_000;
/**
 * The queue's depth is counted for the metric at most this often (the count reads the whole
 * queue on FerretDB).
 */
const COUNT_EVERY_MS = 15_000;
/**
 * Ticks start at least this far apart, and further the more rounds the last one claimed (up
 * to the most): under load the dispatcher makes a few commands a second (a scan, an insert of
 * claims, an insert of attempts, a delete of finished entries), however many deliveries they
 * carry. On FerretDB every write command waits for the one before it, ingest's included.
 */
const MIN_TICK_GAP_MS = 200;
const TICK_GAP_PER_ROUND_MS = 2;
const MAX_TICK_GAP_MS = 1_000;
/**
 * A round waiting for a slot is sent only while its lease has the attempt's timeout and this
 * much left (to record the outcome); otherwise it is given back.
 */
const RECORD_MARGIN_MS = 10_000;

/**
 * Sends outgoing webhooks (docs/webhooks.md), in every instance, in ticks: each tick records
 * the outcomes of the attempts made since the last one (one insert; finished entries leave
 * the queue in one delete), takes the entries this instance's outbox handed over since, reads
 * the due queue entries (one scan, at most every WEBHOOK_POLL_INTERVAL_MS unless asked: it
 * finds retries, rounds given back, and what other instances stored and did not send), and
 * claims the rounds it will send (one insert: usecases/dispatch.ts, so several instances share
 * the work and each round is sent once). At most WEBHOOK_MAX_IN_FLIGHT attempts are in flight per webhook in
 * this instance; a webhook claims ahead only as many rounds as its slots get through before
 * the next tick at its receiver's recent pace, so a slow receiver holds only its own slots'
 * rounds and never holds back another's deliveries. Woken by the outbox when it stores
 * something, by every ended attempt, and every WEBHOOK_POLL_INTERVAL_MS.
 */
export function startDispatcher(deps: AppDeps): Dispatcher {
  const limit = deps.config.WEBHOOK_MAX_IN_FLIGHT;
  const limiter = new EndpointLimiter(limit);
  const timeoutMs = deps.config.WEBHOOK_TIMEOUT_MS;
  /** Rounds claimed and waiting for a slot, by webhook, oldest first. */
  const claimed = new Map<string, ClaimedWork[]>();
  /** Every delivery this instance is busy with (claimed, in flight, or to be recorded). */
  const busy = new Set<string>();
  /** Rounds another instance claimed first, left out of the scans for a while (by delivery). */
  const claimedElsewhere = new Map<string, number>();
  /** Every webhook this instance has claimed rounds of. */
  const known = new Set<string>();
  /** The attempts in flight. */
  const inFlight = new Set<Promise<void>>();
  /** Entries the outbox handed over, not yet claimed, oldest first. */
  let handed: QueuedDelivery[] = [];
  /** Journal entries ingest calls handed over, not yet taken by a tick. */
  let journaled: JournaledEvent[] = [];
  /** Entries handed over without deliveries, to be checked at `checkAt` (ms, monotonic). */
  let unsure: Array<{ event: JournaledEvent; checkAt: number }> = [];
  /** Journal entries whose deliveries are all stored, to be removed by the next tick. */
  let settled: JournalHold[] = [];
  const leaseMs = deps.config.WEBHOOK_INSTANCE_LEASE_MS;
  /** Whether the next tick scans whatever the time since the last scan (asked by a signal). */
  let scanAsked = true;
  let scannedAt = Number.NEGATIVE_INFINITY;
  /** Whether entries were handed over since the last scan. */
  let handedSinceScan = false;
  /** Ended attempts, and rounds given back, to be written by the next tick. */
  let sent: SentRound[] = [];
  let unsent: ClaimedWork[] = [];
  /** Each webhook's recent attempt latency (a slow attempt counts at once, fast ones slowly). */
  const paceMs = new Map<string, number>();
  const pausedUntil = new Map<string, number>();
  let ticking: Promise<void> | undefined;
  let tickAgain = false;
  let stopped = false;
  // In-process times and deadlines are on the monotonic clock (performance.now()): a step of
  // the wall clock (NTP, a resumed VM) would stall the ticks for its length, or end a stop's
  // recording at once. Times compared with stored ones stay on the database's clock.
  let countedAt = Number.NEGATIVE_INFINITY;
  let tickedAt = Number.NEGATIVE_INFINITY;
  let gapMs = MIN_TICK_GAP_MS;

  function claimedBy(webhookId: string): number {
    return (claimed.get(webhookId)?.length ?? 0) + limiter.inFlight(webhookId);
  }

  /**
   * How many more rounds of a webhook this tick may claim: its free slots, or, for a receiver
   * known to be fast, what its slots get through until the next tick at the latest.
   */
  function budgetOf(webhookId: string): number {
    const pace = paceMs.get(webhookId);
    const ahead =
      pace === undefined
        ? limit
        : Math.min(
            MAX_CLAIMED_PER_WEBHOOK,
            Math.max(limit, Math.ceil((limit * MAX_TICK_GAP_MS) / Math.max(pace, 1))),
          );
    return ahead - claimedBy(webhookId);
  }

  function observePace(webhookId: string, latencyMs: number): void {
    const pace = paceMs.get(webhookId);
    paceMs.set(
      webhookId,
      pace === undefined || latencyMs > pace ? latencyMs : pace * 0.9 + latencyMs * 0.1,
    );
  }

  /** Starts the claimed rounds that free slots allow. */
  function sendClaimed(): void {
    for (const [webhookId, rounds] of claimed) {
      while (rounds.length > 0 && !stopped && inFlight.size < MAX_IN_FLIGHT) {
        const release = limiter.tryAcquire(webhookId);
        if (!release) break;
        const work = rounds.shift() as ClaimedWork;
        const attempt = attemptClaimed(work)
          .catch((error: unknown) => {
            const { deliveryId } = work.entry;
            deps.logger.warn(
              { err: error, deliveryId },
              "webhook delivery failed; it stays queued",
            );
            // Sent from memory: queued by the next tick (a claimed round waits for its lease).
            if (work.journal) unsent.push(work);
          })
          .finally(() => {
            release();
            inFlight.delete(attempt);
            wake();
          });
        inFlight.add(attempt);
      }
      if (rounds.length === 0) claimed.delete(webhookId);
    }
  }

  /** Sends a claimed round, unless its lease has too little left: then it is given back. */
  async function attemptClaimed(work: ClaimedWork): Promise<void> {
    const now = work.journal ? undefined : await deps.repositories.webhookDeliveries.now();
    if (now && work.leaseUntil.getTime() - now.getTime() < timeoutMs + RECORD_MARGIN_MS) {
      unsent.push(work);
      return;
    }
    const attempt = await sendRound(deps, work);
    observePace(work.webhook.id, attempt.latencyMs);
    sent.push({ work, attempt });
  }

  /**
   * Writes what ended since the last tick: the attempts made, the rounds given back (until
   * `until` says to stop: those left wait for their leases).
   */
  async function recordEnded(until?: () => boolean): Promise<void> {
    const journaledRounds = sent.filter(({ work }) => isJournaled(work));
    const journaledUnsent = unsent.filter(isJournaled);
    const rounds = sent.filter(({ work }) => !isJournaled(work));
    const givenBack = unsent.filter((work) => !isJournaled(work));
    sent = [];
    unsent = [];
    // Retries and rounds given back are found by the scans: back to scanning at every poll.
    if (
      givenBack.length > 0 ||
      journaledUnsent.length > 0 ||
      [...rounds, ...journaledRounds].some(({ attempt }) => !attempt.succeeded)
    ) {
      handedSinceScan = false;
    }
    await recordJournaled(journaledRounds, journaledUnsent);
    try {
      await Promise.all([
        rounds.length > 0 ? recordRounds(deps, rounds) : undefined,
        givenBack.length > 0 ? releaseRounds(deps, givenBack, until) : undefined,
      ]);
    } catch (error) {
      // The claims stay: once their leases run out, any instance takes the rounds over.
      deps.logger.warn({ err: error }, "webhook outcomes not recorded; the deliveries stay queued");
    }
    for (const { work } of [...rounds, ...givenBack.map((work) => ({ work }))]) {
      busy.delete(work.entry.deliveryId);
    }
  }

  /**
   * Writes journaled first rounds (sent from memory) and stores those not sent (given back at
   * a stop) in the log and the queue; then their journal entries are settled once all of an
   * entry's deliveries are. What fails to be written is tried again by the next tick.
   */
  async function recordJournaled(rounds: SentRound[], notSent: ClaimedWork[]): Promise<void> {
    if (rounds.length === 0 && notSent.length === 0) return;
    const outbox = deps.repositories.webhookDeliveries;
    try {
      await Promise.all([
        rounds.length > 0 ? recordJournaledRounds(deps, rounds) : undefined,
        notSent.length > 0
          ? outbox.store(
              notSent.flatMap((work) => (work.journal ? [work.journal.delivery] : [])),
              { queued: true },
            )
          : undefined,
      ]);
    } catch (error) {
      sent.push(...rounds);
      unsent.push(...notSent);
      deps.logger.warn({ err: error }, "journaled webhook rounds not recorded; retrying");
      return;
    }
    for (const work of [...rounds.map(({ work }) => work as ClaimedWork), ...notSent]) {
      busy.delete(work.entry.deliveryId);
      if (work.journal) release(work.journal.entry);
    }
  }

  /** One of the entry's deliveries is stored: once all are, the entry can go. */
  function release(hold: JournalHold): void {
    hold.remaining -= 1;
    if (hold.remaining <= 0) settled.push(hold);
  }

  /** Removes the journal entries whose deliveries are all stored (one delete). */
  async function removeSettled(): Promise<void> {
    if (settled.length === 0) return;
    const holds = settled;
    settled = [];
    try {
      await deps.repositories.webhookJournal.remove(holds.map((hold) => hold.id));
      settleSequences(
        deps,
        holds.map((hold) => hold.sequence),
      );
    } catch (error) {
      settled = [...holds, ...settled];
      deps.logger.warn({ err: error }, "settled webhook journal entries not removed; retrying");
    }
  }

  /**
   * Takes the journal entries handed over since the last tick. An opening whose webhooks all
   * have room in their budgets is sent from memory, its first round without a claim or a
   * queue entry (nobody else can see it: the entry is this instance's until it dies); the
   * others are stored in the log and the queue (one insert into each for all of them), and
   * the queue entries stored join those handed over. An entry handed over without its
   * deliveries (its call failed, or was a retry) is checked a lease later, once the call's
   * writes can no longer land: by its incident's `_id`.
   */
  async function takeJournaled(): Promise<void> {
    const now = performance.now();
    const events = journaled;
    journaled = [];
    for (const event of events) {
      if (!event.deliveries) unsure.push({ event, checkAt: now + leaseMs });
    }
    const toStore = unsure.filter(({ checkAt }) => checkAt <= now).map(({ event }) => event);
    unsure = unsure.filter(({ checkAt }) => checkAt > now);
    const left = new Map<string, number>();
    let waiting = [...claimed.values()].reduce((sum, rounds) => sum + rounds.length, 0);
    for (const event of events) {
      if (!event.deliveries) continue;
      const works = await sentFromMemory(event, left, waiting).catch((error: unknown) => {
        // Its webhooks not read: stored in the queue instead (or tried again next tick).
        deps.logger.warn({ err: error }, "journaled webhook event not taken; storing it");
        return undefined;
      });
      if (!works) {
        toStore.push(event);
        continue;
      }
      waiting += works.length;
      for (const work of works) {
        busy.add(work.entry.deliveryId);
        known.add(work.webhook.id);
        const rounds = claimed.get(work.webhook.id) ?? [];
        claimed.set(work.webhook.id, rounds);
        rounds.push(work);
      }
    }
    await storeEvents(toStore);
  }

  /** Stores journaled events in the log and the queue, and removes their entries. */
  async function storeEvents(events: JournaledEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      const queued = await storeJournaled(deps, events);
      handedSinceScan = true;
      handed.push(...queued.slice(0, Math.max(0, MAX_HANDED - handed.length)));
    } catch (error) {
      journaled = [...events, ...journaled];
      deps.logger.warn({ err: error }, "journaled webhook deliveries not stored; retrying");
    }
  }

  /**
   * The event's first rounds, to send from memory, when each of its webhooks has room in its
   * budget (`left`, taken from); undefined when one has not, or is disabled.
   */
  async function sentFromMemory(
    event: JournaledEvent,
    left: Map<string, number>,
    waiting: number,
  ): Promise<ClaimedWork[] | undefined> {
    const deliveries = event.deliveries ?? [];
    const webhooks = await deps.repositories.webhooks.listByAccount(event.entry.accountId);
    const hold: JournalHold = { sequence: event.sequence, id: event.entry.id, remaining: 0 };
    const works: ClaimedWork[] = [];
    const taken = new Map<string, number>();
    for (const delivery of deliveries) {
      const webhook = webhooks.find((candidate) => candidate.id === delivery.webhookId);
      // Deleted since: nothing to send.
      if (!webhook) continue;
      const budget = (left.get(webhook.id) ?? budgetOf(webhook.id)) - (taken.get(webhook.id) ?? 0);
      if (!webhook.enabled || budget <= 0 || waiting + works.length >= MAX_WAITING) {
        return undefined;
      }
      taken.set(webhook.id, (taken.get(webhook.id) ?? 0) + 1);
      const deliveryId = deliveryIdOf(delivery.at, delivery.key);
      const entry: QueuedDelivery = {
        deliveryId,
        accountId: delivery.accountId,
        webhookId: delivery.webhookId,
        eventId: delivery.eventId,
        body: delivery.body,
        oneShot: false,
        round: 1,
        dueAt: new Date(),
        attempts: 0,
        trigger: "dispatch",
      };
      works.push({ entry, webhook, leaseUntil: NO_LEASE_END, journal: { delivery, entry: hold } });
    }
    for (const [id, count] of taken) {
      left.set(id, (left.get(id) ?? budgetOf(id)) - count);
    }
    hold.remaining = works.length;
    if (works.length === 0) settled.push(hold);
    return works;
  }

  async function tick(): Promise<void> {
    await recordEnded();
    await Promise.all([removeSettled(), takeJournaled()]);
    if (stopped) return;
    const now = performance.now();
    for (const [id, until] of pausedUntil) if (until <= now) pausedUntil.delete(id);
    for (const [id, until] of claimedElsewhere) if (until <= now) claimedElsewhere.delete(id);
    // A webhook without budget (its slots taken, or rounds enough claimed) is not read.
    const full = [...known].filter((id) => budgetOf(id) <= 0);
    const fresh = handed.filter((entry) => !busy.has(entry.deliveryId));
    handed = [];
    const freshIds = new Set(fresh.map((entry) => entry.deliveryId));
    let scanned: DueScan = { work: [], paused: [] };
    const scanEvery = Math.max(
      deps.config.WEBHOOK_POLL_INTERVAL_MS,
      handedSinceScan ? SCAN_WHILE_HANDED_MS : 0,
    );
    if (scanAsked || now - scannedAt >= scanEvery) {
      scanAsked = false;
      handedSinceScan = false;
      scannedAt = now;
      scanned = await findDueWork(
        deps,
        {
          webhookIds: [...full, ...pausedUntil.keys()],
          deliveryIds: [...busy, ...claimedElsewhere.keys(), ...freshIds],
        },
        SCAN_BATCH,
      );
    }
    const handedOver = await dueWorkOf(deps, fresh);
    for (const id of [...scanned.paused, ...handedOver.paused]) {
      pausedUntil.set(id, now + PAUSE_MS);
    }
    const work = [
      ...handedOver.work,
      ...scanned.work.filter((item) => !freshIds.has(item.entry.deliveryId)),
    ];
    // In another order than other instances', which read the same entries: fewer lost claims.
    const chosen = withinBudgets(shuffled(work.filter((item) => !busy.has(item.entry.deliveryId))));
    // Handed-over entries beyond the budgets wait here for the next tick.
    const chosenIds = new Set(chosen.map((item) => item.entry.deliveryId));
    handed = [
      ...handedOver.work
        .filter((item) => !chosenIds.has(item.entry.deliveryId))
        .flatMap(({ entry }) => ("body" in entry ? [entry] : [])),
      ...handed,
    ].slice(0, MAX_HANDED);
    for (const item of chosen) busy.add(item.entry.deliveryId);
    let won: ClaimedWork[] = [];
    try {
      won = await claimRounds(deps, chosen);
    } finally {
      const wonIds = new Set(won.map((item) => item.entry.deliveryId));
      for (const { entry } of chosen) {
        if (wonIds.has(entry.deliveryId)) continue;
        busy.delete(entry.deliveryId);
        claimedElsewhere.set(entry.deliveryId, now + ELSEWHERE_MS);
      }
    }
    for (const item of won) {
      known.add(item.webhook.id);
      const rounds = claimed.get(item.webhook.id) ?? [];
      claimed.set(item.webhook.id, rounds);
      rounds.push(item);
    }
    // More is due than this tick claimed (or not read: webhooks without budget, paused): the
    // scan reads the whole queue on FerretDB, so the next waits for the longest gap, and the
    // budgets cover it.
    const behind = full.length > 0 || pausedUntil.size > 0 || work.length > chosen.length;
    gapMs = behind
      ? MAX_TICK_GAP_MS
      : Math.min(MAX_TICK_GAP_MS, MIN_TICK_GAP_MS + TICK_GAP_PER_ROUND_MS * chosen.length);
    sendClaimed();
    if (now - countedAt >= COUNT_EVERY_MS) {
      countedAt = now;
      deps.metrics.webhookDue.set(await countDue(deps));
    }
  }

  /** The entries each webhook's budget allows this tick, in the order given. */
  function withinBudgets(work: DueWork[]): DueWork[] {
    const left = new Map<string, number>();
    let waiting = [...claimed.values()].reduce((sum, rounds) => sum + rounds.length, 0);
    return work.filter((item) => {
      const id = item.webhook.id;
      const budget = left.get(id) ?? budgetOf(id);
      left.set(id, budget - 1);
      if (budget <= 0 || waiting >= MAX_WAITING) return false;
      waiting += 1;
      return true;
    });
  }

  function wake(): void {
    if (stopped) return;
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = (async () => {
      do {
        tickAgain = false;
        const wait = tickedAt + gapMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (stopped) return;
        tickedAt = performance.now();
        try {
          await tick();
        } catch (error) {
          deps.logger.warn(
            { err: error },
            "webhook dispatcher tick failed; retrying on the next poll",
          );
          return;
        }
      } while (tickAgain && !stopped);
    })().finally(() => {
      ticking = undefined;
    });
  }

  const stopFreed = limiter.onFreed(sendClaimed);
  const stopQueued = deps.webhooks.queued.listen((entries) => {
    if (entries && entries.length > 0) {
      handedSinceScan = true;
      handed.push(...entries.slice(0, Math.max(0, MAX_HANDED - handed.length)));
    } else {
      // Redelivered, or a webhook enabled again: what is due now includes entries not handed.
      pausedUntil.clear();
      scanAsked = true;
    }
    wake();
  });
  const stopJournaled = deps.webhooks.journaled.listen((event) => {
    if (!event) return;
    journaled.push(event);
    wake();
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
      stopJournaled();
      const deadlineAt = performance.now() + timeoutMs;
      const deadline = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
      const drained = (async () => {
        await Promise.allSettled([ticking, ...inFlight]);
        // Stored, not sent: the next instance sends them (unsure ones wait for a recovery).
        await storeEvents(journaled.filter((event) => event.deliveries));
        for (const rounds of claimed.values()) unsent.push(...rounds);
        claimed.clear();
        await recordEnded(() => performance.now() >= deadlineAt);
        await removeSettled();
      })();
      await Promise.race([drained, deadline]);
    },
  };
}

/** A journaled first round (sent from memory, without a claim). */
function isJournaled(work: DueWork): boolean {
  return (work as Partial<ClaimedWork>).journal !== undefined;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}
