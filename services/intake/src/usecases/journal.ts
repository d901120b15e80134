import type { AppDeps, JournaledEvent } from "../container.js";
import {
  type InstanceBeat,
  JOURNAL_READ,
  type JournalEntry,
  journalEntryId,
} from "../repositories/index.js";
import { announceOpened, openingSubscribers } from "./outbox.js";

// The webhook journal (docs/adr/0003-webhook-journal.md). A call that opens an incident a
// webhook listens to writes nothing for it beyond what it writes anyway: a journal entry
// `<instance>:<sequence>` rides with its claims (one insertMany into `deliveries`), and once
// the incident is stored the call hands the rendered deliveries to its instance's dispatcher,
// which stores them in the delivery log and the queue in its ticks, then removes the entry.
// Each instance beats a heartbeat naming its lowest unsettled sequence and the highest it may
// use; a survivor recovers a dead instance's journal by reading exactly those `_id`s.

/** Sequences reserved at a time (the heartbeat names the highest one an instance may use). */
export const JOURNAL_BLOCK = 8_192;

/**
 * A sequence for a journal entry, or undefined when none is reserved (the call stores its
 * deliveries itself, as without a journal). Asks for more once half the reservation is used.
 */
function allocate(deps: AppDeps): number | undefined {
  const journal = deps.webhooks.journal;
  if (journal.next > journal.reservedUpTo) {
    journal.reserveMore();
    return undefined;
  }
  const sequence = journal.next;
  journal.next += 1;
  journal.pending.add(sequence);
  if (journal.reservedUpTo - journal.next < JOURNAL_BLOCK / 2) journal.reserveMore();
  return sequence;
}

/** The lowest sequence not settled (every one below it is). */
export function lowestUnsettled(deps: AppDeps): number {
  const journal = deps.webhooks.journal;
  let lowest = journal.next;
  for (const sequence of journal.pending) if (sequence < lowest) lowest = sequence;
  return lowest;
}

/** A journaled opening: its entry, and whether it was stored with the call's claims. */
export interface JournaledOpening {
  sequence: number;
  entry: JournalEntry;
  recorded?: boolean;
  handedOver?: boolean;
}

/**
 * The journal entries of a call's openings that webhooks listen to (cached reads): all or
 * none (a call's answer holds once each of its openings' events is stored, one way or the
 * other: settle in usecases/ingest.ts).
 */
export async function planJournal(
  deps: AppDeps,
  openings: Array<{ accountId: string; serviceId: string; incidentId: string }>,
): Promise<Map<string, JournaledOpening> | undefined> {
  const subscribed = [];
  for (const opening of openings) {
    const entry = await openingSubscribers(deps, opening);
    if (entry) subscribed.push(entry);
  }
  if (subscribed.length === 0) return undefined;
  const journal = deps.webhooks.journal;
  if (journal.reservedUpTo - journal.next + 1 < subscribed.length) {
    journal.reserveMore();
    return undefined;
  }
  const planned = new Map<string, JournaledOpening>();
  for (const entry of subscribed) {
    const sequence = allocate(deps) as number;
    const id = journalEntryId(journal.instanceId, sequence);
    planned.set(entry.incidentId, { sequence, entry: { ...entry, id } });
  }
  return planned;
}

/**
 * Inserts the entries (call it in the same tick as the call's claims: one command). Rejects
 * when one is not stored: the call then fails before it writes anything else, so an incident
 * whose opening was journaled is stored only once its entry is (what its answer relies on).
 */
export async function recordJournal(
  deps: AppDeps,
  planned: Map<string, JournaledOpening>,
): Promise<void> {
  await Promise.all(
    [...planned.values()].map(async (opening) => {
      await deps.repositories.webhookJournal.record(opening.entry);
      opening.recorded = true;
    }),
  );
}

/**
 * Hands the entries the call did not hand over with its deliveries to the dispatcher, to be
 * checked (their incident may not exist: the call was a retry, failed, or opened nothing).
 */
export function releaseJournal(deps: AppDeps, planned: Map<string, JournaledOpening>): void {
  for (const opening of planned.values()) {
    if (opening.handedOver) continue;
    opening.handedOver = true;
    deps.webhooks.journaled.notify({ sequence: opening.sequence, entry: opening.entry });
  }
}

/** Marks sequences settled: their entries are removed (or were never stored). */
export function settleSequences(deps: AppDeps, sequences: number[]): void {
  for (const sequence of sequences) deps.webhooks.journal.pending.delete(sequence);
}

/**
 * Stores what journal entries stand for, then removes them: the deliveries handed over are
 * stored in the log and the queue (group commit: one insert each for all of them); an entry
 * handed over without them, or read from a dead instance's journal, is checked by its
 * incident's `_id`: stored, its opening's deliveries are rendered again from it and stored
 * (the same delivery ids, so the same `webhook-id`s, as the call's); not stored, the entry is
 * void. Returns the queue entries stored, with their bodies.
 */
export async function storeJournaled(deps: AppDeps, events: JournaledEvent[]) {
  const outbox = deps.repositories.webhookDeliveries;
  const handed = events.flatMap((event) => event.deliveries ?? []);
  const stored = handed.length > 0 ? await outbox.store(handed, { queued: true }) : undefined;
  await restoreEntries(
    deps,
    events.flatMap((event) => (event.deliveries ? [] : [event.entry])),
  );
  await deps.repositories.webhookJournal.remove(events.map((event) => event.entry.id));
  settleSequences(
    deps,
    events.map((event) => event.sequence),
  );
  return stored?.queued ?? [];
}

/** Stores the deliveries of the entries whose incidents are stored (a recovery's). */
async function restoreEntries(deps: AppDeps, entries: JournalEntry[]): Promise<void> {
  for (const entry of entries) {
    const head = await deps.repositories.incidents.headOf(entry.accountId, entry.incidentId);
    if (!head) continue;
    // The opening's event, as it was: triggered, before any transition.
    const { acknowledgedAt: _acknowledged, resolvedAt: _resolved, ...opened } = head;
    await announceOpened(
      deps,
      { ...opened, status: "triggered", updatedAt: head.createdAt, version: 0 },
      { kind: "restore", entry },
    );
  }
}

/**
 * Recovers the journals of instances whose heartbeat is older than `leaseMs`: claims each by
 * an insert keyed by its id (one recoverer), reads its entries by `_id` from its lowest
 * unsettled sequence to the highest it could use (gaps allowed), stores what they stand for,
 * then forgets the instance. Returns how many instances were recovered.
 */
export async function recoverDeadInstances(deps: AppDeps, leaseMs: number): Promise<number> {
  const repository = deps.repositories.webhookJournal;
  const own = deps.webhooks.journal.instanceId;
  const now = await repository.now();
  const dead = (await repository.beats()).filter(
    (beat) => beat.instanceId !== own && now.getTime() - beat.beatAt.getTime() > leaseMs,
  );
  let recovered = 0;
  for (const beat of dead) {
    if (!(await repository.claimRecovery(beat.instanceId, leaseMs))) continue;
    await recoverJournal(deps, beat);
    await repository.forget(beat.instanceId);
    recovered += 1;
  }
  return recovered;
}

async function recoverJournal(deps: AppDeps, beat: InstanceBeat): Promise<void> {
  const repository = deps.repositories.webhookJournal;
  for (let from = beat.lowest; from <= beat.reservedUpTo; from += JOURNAL_READ) {
    const to = Math.min(beat.reservedUpTo, from + JOURNAL_READ - 1);
    const ids = Array.from({ length: to - from + 1 }, (_, index) =>
      journalEntryId(beat.instanceId, from + index),
    );
    const entries = await repository.entries(ids);
    if (entries.length === 0) continue;
    await restoreEntries(deps, entries);
    await repository.remove(entries.map((entry) => entry.id));
  }
  deps.webhooks.queued.notify();
}
