import type { Account, Service, Team, Webhook } from "./entities.js";
import type { OpenedToken } from "./tokens.js";

/**
 * A small map whose entries expire; bounded so a flood of keys cannot grow it: when full, the
 * entry set longest ago goes (every entry lives `ttlMs`, so it is the one that expires first),
 * and a flood of new keys evicts only the oldest, never everything at once. Concurrent
 * misses of one key share one load (when an entry expires under load, one read goes to the
 * database, not one per waiting request); a load that a clear() overtook is not cached.
 * Expired entries leave memory by a timer, not only when read: a key never read again (an
 * account gone quiet) would otherwise keep its value, an account's webhooks with their
 * secrets and URLs included, after another instance deleted them.
 * Lifetimes are measured on the monotonic clock (`performance.now()`, as the timer is): a step
 * of the wall clock (NTP, a resumed VM) neither expires entries early nor keeps them longer.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private readonly loading = new Map<string, Promise<V>>();
  private generation = 0;
  private sweep: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > performance.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    // A Map iterates in insertion order: deleting first moves a refreshed key to the end.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: performance.now() + this.ttlMs });
    if (this.sweep === undefined) this.sweepAfter(this.ttlMs);
  }

  /** Whether an entry is in memory for this key, expired or not. */
  holds(key: string): boolean {
    return this.entries.has(key);
  }

  /** Runs only while entries are kept; never keeps the process alive. */
  private sweepAfter(delayMs: number): void {
    this.sweep = setTimeout(() => this.dropExpired(), delayMs);
    this.sweep.unref();
  }

  /** Entries are in the order they were set, so they expire in that order too. */
  private dropExpired(): void {
    this.sweep = undefined;
    const now = performance.now();
    for (const [key, entry] of this.entries) {
      if (entry.until > now) {
        this.sweepAfter(entry.until - now);
        return;
      }
      this.entries.delete(key);
    }
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }

  through(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const generation = this.generation;
    const loaded = load()
      .then((value) => {
        if (generation === this.generation) this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
      });
    this.loading.set(key, loaded);
    return loaded;
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
    this.generation += 1;
  }
}

interface HotRepositories {
  tokens: {
    findBySecretHash(hash: string, now: Date): Promise<OpenedToken | null>;
  };
  accounts: { findById(id: string): Promise<Account | null> };
  services: { listByAccount(accountId: string): Promise<Service[]> };
  teams: { listByAccount(accountId: string): Promise<Team[]> };
  webhooks: { listByAccount(accountId: string): Promise<Webhook[]> };
}

/**
 * Every call reads its token and account (authentication, rate limits), every ingest call
 * its services, and every event the account's webhooks (and the team of its service): those
 * reads are cached for a moment (FerretDB answers them with collection scans). A write through
 * this process clears them at once; another instance sees a change within `ttlMs` (revocation
 * included).
 */
export function cacheHotReads<R extends HotRepositories>(repositories: R, ttlMs: number): R {
  const tokens = new TtlCache<OpenedToken | null>(ttlMs);
  const accounts = new TtlCache<Account | null>(ttlMs);
  const services = new TtlCache<Service[]>(ttlMs);
  const teams = new TtlCache<Team[]>(ttlMs);
  const webhooks = new TtlCache<Webhook[]>(ttlMs);
  const clearing =
    <A extends unknown[], T>(caches: Array<TtlCache<unknown>>, write: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      for (const cache of caches) cache.clear();
      try {
        return await write(...args);
      } finally {
        for (const cache of caches) cache.clear();
      }
    };
  const clearAllOn = <T extends object>(
    repository: T,
    caches: Array<TtlCache<unknown>>,
    keep: string[],
  ): T =>
    Object.fromEntries(
      Object.entries(repository).map(([name, fn]) => [
        name,
        keep.includes(name) || typeof fn !== "function"
          ? fn
          : clearing(caches, fn as (...a: unknown[]) => Promise<unknown>),
      ]),
    ) as T;

  return {
    ...repositories,
    tokens: {
      ...clearAllOn(
        repositories.tokens,
        [tokens],
        ["findBySecretHash", "findInAccount", "listByAccount", "touch", "countLiveInAccount"],
      ),
      findBySecretHash: (hash: string, now: Date) => {
        const cached = tokens.get(hash);
        // A rotated-out secret whose grace period ended is asked about again.
        if (cached?.secretExpiresAt && cached.secretExpiresAt <= now) tokens.forget(hash);
        return tokens.through(hash, () => repositories.tokens.findBySecretHash(hash, now));
      },
    },
    accounts: {
      ...clearAllOn(repositories.accounts, [accounts], ["findById", "count", "findSetupPending"]),
      findById: (id: string) => accounts.through(id, () => repositories.accounts.findById(id)),
    },
    services: {
      ...clearAllOn(
        repositories.services,
        [services, tokens],
        ["findInAccount", "listByAccount", "countInAccount"],
      ),
      listByAccount: (accountId: string) =>
        services.through(accountId, () => repositories.services.listByAccount(accountId)),
    },
    teams: {
      ...clearAllOn(
        repositories.teams,
        [teams],
        ["findInAccount", "listByAccount", "countInAccount"],
      ),
      listByAccount: (accountId: string) =>
        teams.through(accountId, () => repositories.teams.listByAccount(accountId)),
    },
    webhooks: {
      ...clearAllOn(
        repositories.webhooks,
        [webhooks],
        ["findInAccount", "listByAccount", "countInAccount"],
      ),
      listByAccount: (accountId: string) =>
        webhooks.through(accountId, () => repositories.webhooks.listByAccount(accountId)),
    },
  };
}
