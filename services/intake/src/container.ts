import { createSender, type Resolver, type Sender, type UrlPolicy } from "@sqibs/webhooks";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { createMetrics, type Metrics } from "./metrics.js";
import {
  type JournalEntry,
  type NewDelivery,
  newInstanceId,
  oneAtATimePerKey,
  type QueuedDelivery,
  type Repositories,
} from "./repositories/index.js";

/**
 * What the rate limiter keeps between calls in this process (the counts themselves are in
 * the rate-limits repository, the limits on the tokens and accounts).
 */
export interface RateLimiterState {
  /**
   * When this process last deleted past windows, on the monotonic clock (`performance.now()`),
   * so a step of the wall clock neither holds the next cleanup back nor runs it early.
   */
  lastCleanupAt: number;
}

/**
 * Outgoing webhooks: what URLs may reach, the guarded sender, and the signal use cases give
 * the dispatcher (jobs/dispatcher.ts) when they have queued deliveries, so it sends them at
 * once instead of at its next poll. The outbox hands over the entries it just queued, bodies
 * included, so the dispatcher need not scan for them; a signal without entries asks it to scan.
 */
export interface WebhookParts {
  policy: UrlPolicy;
  send: Sender;
  queued: Signal<QueuedDelivery[]>;
  /** This instance's webhook journal (usecases/journal.ts). */
  journal: JournalState;
  /**
   * Journal entries an ingest call hands to the dispatcher once it is done with them: with the
   * deliveries of the incident it opened, or without (to be checked: its incident may not exist).
   */
  journaled: Signal<JournaledEvent>;
  /** When this instance last looked at a failing webhook's health, by webhook id (ms). */
  healthCheckedAt: Map<string, number>;
}

/** This instance's journal: its id, the sequences it hands out and those not yet settled. */
export interface JournalState {
  instanceId: string;
  /** The next sequence to hand out. */
  next: number;
  /** The highest sequence this instance may use (its heartbeat names it: recovery reads up to it). */
  reservedUpTo: number;
  /** Sequences handed out and not yet settled (their entries still stored, or being stored). */
  pending: Set<number>;
  /** Asks the journal keeper (jobs/journal-keeper.ts) to reserve more sequences. */
  reserveMore: () => void;
}

export interface JournaledEvent {
  sequence: number;
  entry: JournalEntry;
  /** The opening's deliveries, to store and send; absent: the incident may not exist. */
  deliveries?: NewDelivery[];
}

/** Listeners called whenever `notify` is, with what it carries (if anything). */
export interface Signal<T> {
  notify(value?: T): void;
  listen(listener: (value?: T) => void): () => void;
}

export function createSignal<T>(): Signal<T> {
  const listeners = new Set<(value?: T) => void>();
  return {
    notify: (value) => {
      for (const listener of listeners) listener(value);
    },
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The dependency container: everything a request, a use case or a background job needs,
 * passed in (no module-level state). Built once per app by createContainer (server.ts, the
 * tests); new parts (e.g. an outbox, a session store) are added here and in createContainer.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  repositories: Repositories;
  clock: () => Date;
  metrics: Metrics;
  rateLimiter: RateLimiterState;
  /**
   * Runs the tasks given for one key one after another within this instance (a count and the
   * creation it allows, usecases/account-caps.ts).
   */
  inTurn: <T>(key: string, task: () => Promise<T>) => Promise<T>;
  webhooks: WebhookParts;
}

export interface ContainerParts {
  config: Config;
  logger: Logger;
  repositories: Repositories;
  clock?: () => Date;
  metrics?: Metrics;
  /** How webhook hosts are resolved (the system's by default; tests name their own hosts). */
  webhookResolver?: Resolver;
  /** How long the sender keeps a checked URL unused (its default; tests shorten it). */
  webhookForgetIdleMs?: number;
}

export function createContainer(parts: ContainerParts): AppDeps {
  return {
    config: parts.config,
    logger: parts.logger,
    repositories: parts.repositories,
    clock: parts.clock ?? (() => new Date()),
    metrics: parts.metrics ?? createMetrics(),
    rateLimiter: { lastCleanupAt: Number.NEGATIVE_INFINITY },
    inTurn: oneAtATimePerKey(),
    webhooks: webhookParts(parts),
  };
}

function webhookParts({
  config,
  webhookResolver: resolve,
  webhookForgetIdleMs: forgetIdleMs,
}: ContainerParts): WebhookParts {
  const policy: UrlPolicy = {
    addresses: { allowed: config.WEBHOOK_ALLOWED_CIDRS },
    allowHttp: config.WEBHOOK_ALLOW_HTTP,
  };
  const send = createSender({
    policy,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    ...(resolve ? { resolve } : {}),
    ...(forgetIdleMs !== undefined ? { forgetIdleMs } : {}),
  });
  return {
    policy,
    send,
    queued: createSignal(),
    journal: {
      instanceId: newInstanceId(),
      next: 1,
      reservedUpTo: 0,
      pending: new Set(),
      reserveMore: () => {},
    },
    journaled: createSignal(),
    healthCheckedAt: new Map(),
  };
}
