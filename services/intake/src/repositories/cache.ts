import type { AccountDoc, ServiceDoc } from "./documents.js";
import type { OpenedToken } from "./tokens.js";

/** A small map whose entries expire; bounded so a flood of keys cannot grow it. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }

  async through(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = await load();
    this.set(key, value);
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

interface HotRepositories {
  tokens: {
    findBySecretHash(hash: string, now: Date): Promise<OpenedToken | null>;
  };
  accounts: { findById(id: AccountDoc["_id"]): Promise<AccountDoc | null> };
  services: { listByAccount(accountId: ServiceDoc["accountId"]): Promise<ServiceDoc[]> };
}

/**
 * Every ingest call reads its token, account and services: those reads are cached for a
 * moment (FerretDB answers them with collection scans). A write through this process clears
 * them at once; another instance sees a change within `ttlMs` (revocation included).
 */
export function cacheHotReads<R extends HotRepositories>(repositories: R, ttlMs: number): R {
  const tokens = new TtlCache<OpenedToken>(ttlMs);
  const accounts = new TtlCache<AccountDoc | null>(ttlMs);
  const services = new TtlCache<ServiceDoc[]>(ttlMs);
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
        ["findBySecretHash", "findInAccount", "listByAccount", "touch"],
      ),
      findBySecretHash: async (hash: string, now: Date) => {
        const cached = tokens.get(hash);
        const graceOver = cached?.secretExpiresAt && cached.secretExpiresAt <= now;
        if (cached && !graceOver) return cached;
        const token = await repositories.tokens.findBySecretHash(hash, now);
        if (token) tokens.set(hash, token);
        return token;
      },
    },
    accounts: {
      ...clearAllOn(repositories.accounts, [accounts], ["findById", "count"]),
      findById: (id: AccountDoc["_id"]) =>
        accounts.through(id.toHexString(), () => repositories.accounts.findById(id)),
    },
    services: {
      ...clearAllOn(repositories.services, [services, tokens], ["findInAccount", "listByAccount"]),
      listByAccount: (accountId: ServiceDoc["accountId"]) =>
        services.through(accountId.toHexString(), () =>
          repositories.services.listByAccount(accountId),
        ),
    },
  };
}
