import {
  type AttemptOutcome,
  disableDecision,
  nextAttempt,
  type RetryPolicy,
  redactWebhookUrl,
  secretsInForce,
  signatureHeaders,
} from "@sqibs/webhooks";
import type { AppDeps } from "../container.js";
import type {
  AttemptTrigger,
  NewDelivery,
  QueuedDelivery,
  QueueEntry,
  Webhook,
  WebhookAttempt,
} from "../repositories/index.js";

// Sending what the outbox stored (docs/adr/0001: every race an insert keyed by _id). A due
// queue entry is in a round; whoever inserts the round's claim sends it, and whoever inserts
// the round's attempt ends the round: dequeues the delivery (done or failed for good) or moves
// it to its next round (a retry). An instance that dies holding a claim leaves the round
// "abandoned" once its lease runs out: another records it as interrupted and retries it, with
// the same `webhook-id`.

/** How long a claim holds a round beyond the attempt's own timeout (database writes, pauses). */
const LEASE_MARGIN_MS = 20_000;

export interface DueWork {
  /** With its body when the outbox handed it over; a scan's entries are without. */
  entry: QueueEntry | QueuedDelivery;
  webhook: Webhook;
}

export interface DueScan {
  work: DueWork[];
  /** Webhooks whose entries are due but not to be sent now (disabled): skip them a while. */
  paused: string[];
}

/**
 * Queue entries due now, with their webhooks (a cached read per account), leaving out the
 * webhooks and deliveries named in `skip`. Entries of deleted webhooks are dropped.
 */
export async function findDueWork(
  deps: AppDeps,
  skip: { webhookIds: string[]; deliveryIds: string[] },
  limit: number,
): Promise<DueScan> {
  const entries = await deps.repositories.webhookDeliveries.findDue(limit, skip);
  return dueWorkOf(deps, entries);
}

/**
 * The entries' work, with their webhooks (a cached read per account): entries of deleted
 * webhooks are dropped, those of disabled ones left for later (their webhooks named in
 * `paused`).
 */
export async function dueWorkOf(
  deps: AppDeps,
  entries: Array<QueueEntry | QueuedDelivery>,
): Promise<DueScan> {
  const work: DueWork[] = [];
  const paused = new Set<string>();
  for (const entry of entries) {
    const webhooks = await deps.repositories.webhooks.listByAccount(entry.accountId);
    const webhook = webhooks.find((candidate) => candidate.id === entry.webhookId);
    if (!webhook) await deps.repositories.webhookDeliveries.dequeue(entry);
    else if (!webhook.enabled) paused.add(webhook.id);
    else work.push({ entry, webhook });
  }
  return { work, paused: [...paused] };
}

/** How many deliveries are due now (the queue's depth), for the metric. */
export async function countDue(deps: AppDeps): Promise<number> {
  return deps.repositories.webhookDeliveries.countDue();
}

/** A round this instance holds, until `leaseUntil` (the database's time), with its body. */
export interface ClaimedWork extends DueWork {
  entry: QueuedDelivery;
  leaseUntil: Date;
  /**
   * A journaled delivery's first round, sent from memory without a claim or a queue entry
   * (nobody else can see it: usecases/journal.ts): what its log document is made of, and its
   * journal entry.
   */
  journal?: { delivery: NewDelivery; entry: JournalHold };
}

/** A journal entry held until each of its deliveries is stored (`remaining` reaches 0). */
export interface JournalHold {
  sequence: number;
  id: string;
  remaining: number;
}

/** No lease: a journaled first round is this instance's alone. */
export const NO_LEASE_END = new Date(8.64e15);

/** What an attempt ended with, to be recorded. */
export interface SentRound {
  work: DueWork;
  attempt: WebhookAttempt;
}

/** How long a claim holds a round: the attempt's timeout plus a margin. */
export function leaseMsOf(deps: Pick<AppDeps, "config">): number {
  return deps.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS;
}

/**
 * Claims the rounds of these entries together (one insert of many claims: ADR 0001's group
 * commit). Returns the ones won, with their bodies and event ids (read from the log for a
 * scan's entries); a round another instance holds is left to it, or ended here when that
 * instance finished or abandoned it.
 */
export async function claimRounds(deps: AppDeps, works: DueWork[]): Promise<ClaimedWork[]> {
  if (works.length === 0) return [];
  const outbox = deps.repositories.webhookDeliveries;
  const { won, leaseUntil } = await outbox.claimRounds(
    works.map((work) => work.entry),
    leaseMsOf(deps),
  );
  const lost = works.filter((_, index) => !won[index]);
  if (lost.length > 0) {
    const now = await outbox.now();
    await Promise.all(lost.map((work) => settleLostClaim(deps, work, now)));
  }
  const ours = works.filter((_, index) => won[index]);
  const contents = await outbox.contentsOf(
    ours.flatMap(({ entry }) => ("body" in entry ? [] : [entry.deliveryId])),
  );
  const claimed: ClaimedWork[] = [];
  for (const work of ours) {
    const content = "body" in work.entry ? work.entry : contents.get(work.entry.deliveryId);
    // Gone from the log: its webhook is being deleted.
    if (content === undefined) await outbox.dequeue(work.entry);
    else {
      const { body, eventId } = content;
      claimed.push({ ...work, entry: { ...work.entry, body, eventId }, leaseUntil });
    }
  }
  return claimed;
}

/**
 * A round claimed (after it was due) less than a lease ago: another instance has it. Only an
 * entry due for longer can have been left behind: finished (its queue entry still there) or
 * abandoned, and then it is ended here.
 */
async function settleLostClaim(deps: AppDeps, work: DueWork, now: Date): Promise<void> {
  const { entry } = work;
  if (now.getTime() - entry.dueAt.getTime() < leaseMsOf(deps)) return;
  const outbox = deps.repositories.webhookDeliveries;
  const round = await outbox.roundState(entry);
  if (round.state === "done") await finishRound(deps, work, round.attempt);
  if (round.state !== "abandoned") return;
  const interrupted: WebhookAttempt = {
    ...attemptKey(entry),
    at: deps.clock(),
    succeeded: false,
    reason: "interrupted",
    detail: "The instance that claimed this attempt stopped before it recorded the outcome.",
    latencyMs: 0,
    trigger: entry.trigger,
  };
  if (await outbox.recordAttempt(interrupted)) await finishRound(deps, work, interrupted);
}

/** Sends a claimed round (counted in the in-flight metric); its outcome, not yet recorded. */
export async function sendRound(deps: AppDeps, work: ClaimedWork): Promise<WebhookAttempt> {
  deps.metrics.webhookInFlight.inc();
  try {
    return await attemptNow(deps, work.webhook, work.entry, work.entry.trigger);
  } finally {
    deps.metrics.webhookInFlight.dec();
  }
}

/**
 * Records the outcomes of sent rounds together (one insert of many attempts), then ends each
 * recorded round: the finished entries leave the queue together (delete-batches.ts), the
 * failed ones move on to their retry. A round whose lease ran out meanwhile was ended by
 * another instance (as interrupted): its attempt is not recorded here.
 */
export async function recordRounds(deps: AppDeps, rounds: SentRound[]): Promise<void> {
  const outbox = deps.repositories.webhookDeliveries;
  const recorded = await Promise.all(rounds.map(({ attempt }) => outbox.recordAttempt(attempt)));
  const ended = rounds.filter((_, index) => recorded[index]);
  const finish = ({ work, attempt }: SentRound) => finishRound(deps, work, attempt);
  // The successes leave the queue together (one delete); the failures are updated to their
  // retries a few at a time.
  await Promise.all([
    Promise.all(ended.filter(({ attempt }) => attempt.succeeded).map(finish)),
    inTurns(
      ended.filter(({ attempt }) => !attempt.succeeded),
      finish,
    ),
  ]);
}

/**
 * Records journaled first rounds (sent from memory, usecases/journal.ts): their log documents
 * first (a retry's scan reads the body there), then their attempts and, for a failed one to be
 * retried, its queue entry in the next round, each kind in one insert for the whole tick.
 */
export async function recordJournaledRounds(deps: AppDeps, rounds: SentRound[]): Promise<void> {
  const outbox = deps.repositories.webhookDeliveries;
  const journaled = rounds.flatMap(({ work, attempt }) => {
    const { journal } = work as Partial<ClaimedWork>;
    return journal ? [{ work: work as ClaimedWork, attempt, delivery: journal.delivery }] : [];
  });
  await outbox.log(journaled.map(({ delivery }) => delivery));
  const now = await outbox.now();
  await Promise.all(
    journaled.map(async ({ work, attempt, delivery }) => {
      await outbox.recordAttempt(attempt);
      if (attempt.succeeded) {
        deps.metrics.webhookDeliveries.inc({ status: "succeeded" });
        return;
      }
      const next = nextRound(deps, work.entry, attempt, now);
      if (next) await outbox.enqueue(delivery, next);
      else deps.metrics.webhookDeliveries.inc({ status: "failed" });
    }),
  );
  const failing = new Map<string, Webhook>();
  for (const { work, attempt } of journaled) {
    if (!attempt.succeeded) failing.set(work.webhook.id, work.webhook);
  }
  for (const webhook of failing.values()) await disableIfFailingTooLong(deps, webhook, now);
}

/**
 * Gives back rounds claimed but not sent: due again at once, for any instance. Stops early
 * (the rest wait for their leases) once `until` says so.
 */
export async function releaseRounds(
  deps: AppDeps,
  works: DueWork[],
  until: () => boolean = () => false,
): Promise<void> {
  const outbox = deps.repositories.webhookDeliveries;
  await inTurns(works, (work) => (until() ? Promise.resolve() : outbox.releaseRound(work.entry)));
}

/**
 * Updates to run a few at a time. FerretDB holds a SQLite connection for each statement of an
 * update until the command ends, and another to write: a hundred updates at once (in one
 * command, or in as many) take its whole pool and wait for it forever.
 */
const UPDATES_AT_ONCE = 8;

async function inTurns<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += UPDATES_AT_ONCE) {
    await Promise.all(items.slice(start, start + UPDATES_AT_ONCE).map(run));
  }
}

/**
 * One signed POST of the delivery's body to the webhook, with every secret in force; the
 * attempt as the delivery log keeps it (counted and timed in the metrics, and logged with
 * the URL redacted).
 */
export async function attemptNow(
  deps: AppDeps,
  webhook: Webhook,
  delivery: Pick<
    QueuedDelivery,
    "deliveryId" | "round" | "accountId" | "webhookId" | "eventId" | "body"
  >,
  trigger: AttemptTrigger,
): Promise<WebhookAttempt> {
  const at = deps.clock();
  const headers = signatureHeaders({
    id: delivery.eventId,
    timestamp: at,
    body: delivery.body,
    secrets: secretsInForce(webhook.secrets, at),
  });
  const outcome = await deps.webhooks.send({
    url: webhook.url,
    headers: { ...headers },
    body: delivery.body,
  });
  const label = outcome.ok ? "succeeded" : outcome.reason;
  deps.metrics.webhookAttempts.inc({ outcome: label });
  deps.metrics.webhookAttemptDuration.observe({ outcome: label }, outcome.latencyMs / 1000);
  if (!outcome.ok) {
    deps.logger.info(
      {
        webhookId: webhook.id,
        deliveryId: delivery.deliveryId,
        url: redactWebhookUrl(webhook.url),
        reason: outcome.reason,
        detail: outcome.detail,
      },
      "webhook attempt failed",
    );
  }
  return { ...attemptKey(delivery), at, ...outcomeFields(outcome), trigger };
}

function attemptKey(
  delivery: Pick<QueuedDelivery, "deliveryId" | "round" | "accountId" | "webhookId">,
) {
  const { deliveryId, round, accountId, webhookId } = delivery;
  return { deliveryId, round, accountId, webhookId };
}

function outcomeFields(outcome: AttemptOutcome) {
  const common = {
    latencyMs: outcome.latencyMs,
    ...(outcome.status !== undefined && outcome.status > 0 ? { httpStatus: outcome.status } : {}),
    ...(outcome.responseExcerpt ? { response: outcome.responseExcerpt } : {}),
    ...(outcome.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: outcome.retryAfterSeconds }
      : {}),
  };
  return outcome.ok
    ? { succeeded: true, ...common }
    : { succeeded: false, reason: outcome.reason, detail: outcome.detail, ...common };
}

/** Ends a recorded round: the entry leaves the queue, or moves on to its next round. */
async function finishRound(deps: AppDeps, work: DueWork, attempt: WebhookAttempt): Promise<void> {
  const { entry } = work;
  const outbox = deps.repositories.webhookDeliveries;
  const now = await outbox.now();
  if (attempt.succeeded) {
    await outbox.dequeue(entry);
    deps.metrics.webhookDeliveries.inc({ status: "succeeded" });
    return;
  }
  const next = nextRound(deps, entry, attempt, now);
  if (next) await outbox.reschedule(entry, next);
  else {
    await outbox.dequeue(entry);
    deps.metrics.webhookDeliveries.inc({ status: "failed" });
  }
  if (attempt.reason !== "interrupted") await disableIfFailingTooLong(deps, work.webhook, now);
}

/** The retry after a failed round, or none (not retryable, a one-shot, or retries ran out). */
function nextRound(deps: AppDeps, entry: QueueEntry, attempt: WebhookAttempt, now: Date) {
  if (entry.oneShot) return undefined;
  const round = { round: entry.round + 1, trigger: "dispatch" as const };
  if (attempt.reason === "interrupted") {
    return { ...round, dueAt: now, attempts: entry.attempts, ...firstAt(entry) };
  }
  if (attempt.reason === "refused-url" || attempt.reason === "refused-address") return undefined;
  const attempts = entry.attempts + 1;
  const firstAttemptAt = entry.firstAttemptAt ?? attempt.at;
  const decision = nextAttempt(retryPolicy(deps), {
    attempts,
    firstAttemptAt,
    now,
    ...(attempt.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: attempt.retryAfterSeconds }
      : {}),
    random: Math.random(),
  });
  return decision.retry ? { ...round, dueAt: decision.at, attempts, firstAttemptAt } : undefined;
}

function firstAt(entry: QueueEntry): { firstAttemptAt?: Date } {
  return entry.firstAttemptAt ? { firstAttemptAt: entry.firstAttemptAt } : {};
}

export function retryPolicy(deps: Pick<AppDeps, "config">): RetryPolicy {
  const { config } = deps;
  return {
    firstDelayMs: config.WEBHOOK_RETRY_FIRST_DELAY_MS,
    maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS,
    retryForMs: config.WEBHOOK_RETRY_FOR_SECONDS * 1000,
    maxRetryAfterMs: Math.max(config.WEBHOOK_RETRY_MAX_DELAY_MS, 1000),
  };
}

/**
 * After a failure: a webhook without a success for WEBHOOK_DISABLE_AFTER_SECONDS is disabled,
 * with the reason. Looked at (two indexed reads of the attempts) at most every minute (or a
 * tenth of that period, when it is shorter) per webhook and instance.
 */
async function disableIfFailingTooLong(deps: AppDeps, webhook: Webhook, now: Date): Promise<void> {
  const disableAfterMs = deps.config.WEBHOOK_DISABLE_AFTER_SECONDS * 1000;
  const checked = deps.webhooks.healthCheckedAt;
  const every = Math.min(60_000, disableAfterMs / 10);
  if (now.getTime() - (checked.get(webhook.id) ?? 0) < every) return;
  checked.set(webhook.id, now.getTime());
  const outbox = deps.repositories.webhookDeliveries;
  const { lastSuccess } = await outbox.lastAttempts(webhook.accountId, webhook.id);
  const firstFailure = await outbox.firstFailureAfter(
    webhook.accountId,
    webhook.id,
    lastSuccess?.at,
  );
  if (!firstFailure) return;
  const decision = disableDecision(
    { failingSince: firstFailure.at, ...(lastSuccess ? { lastSuccessAt: lastSuccess.at } : {}) },
    now,
    disableAfterMs,
  );
  if (!decision.disable) return;
  const disabled = await deps.repositories.webhooks.disable(
    webhook.accountId,
    webhook.id,
    decision.reason,
    now,
  );
  if (disabled) {
    deps.logger.warn(
      { webhookId: webhook.id, url: redactWebhookUrl(webhook.url), reason: decision.reason },
      "webhook disabled",
    );
  }
}
