/** `compute` remembered per key; `forget` drops keys whose values must not stay in memory. */
export interface Memo<V> {
  (key: string): V;
  forget(keys: Iterable<string>): void;
  holds(key: string): boolean;
}

/**
 * How long a remembered value stays unused before it is dropped. The memos hold webhooks'
 * signers and checked URLs (secrets); the instance that deletes a webhook forgets them at
 * once, but another instance sharing the database never learns of the delete, so this is how
 * long they outlive it there. Ten minutes: what an entry saves (a base64 decode, a URL check)
 * counts only for a webhook that sends often, which uses its entries far more often than
 * that; a deleted webhook leaves every instance's memory within minutes; and a webhook that
 * sends seldom (a retry an hour away) decodes or checks again.
 */
export const MEMO_IDLE_MS = 10 * 60_000;

/**
 * `compute` remembered per key, for at most `limit` keys: past that the remembered values are
 * forgotten at once (a webhook's secrets and URL change rarely; a bound keeps deleted ones
 * from piling up). A value not used for `idleMs` is dropped by a timer, also when nothing
 * uses the memo any more; the timer runs only while something is remembered, and never keeps
 * the process alive.
 */
export function memoized<V>(
  limit: number,
  compute: (key: string) => V,
  idleMs: number = MEMO_IDLE_MS,
): Memo<V> {
  const entries = new Map<string, { value: V; usedAt: number }>();
  let sweep: ReturnType<typeof setTimeout> | undefined;

  /** Drops the entries idle for `idleMs`; comes back when the oldest of the others will be. */
  const dropIdle = () => {
    sweep = undefined;
    const now = performance.now();
    let oldest = now;
    for (const [key, entry] of entries) {
      if (now - entry.usedAt >= idleMs) entries.delete(key);
      else oldest = Math.min(oldest, entry.usedAt);
    }
    if (entries.size > 0) sweepAfter(oldest + idleMs - now);
  };
  const sweepAfter = (delayMs: number) => {
    sweep = setTimeout(dropIdle, delayMs);
    sweep.unref();
  };

  const memo = (key: string): V => {
    const kept = entries.get(key);
    if (kept) {
      kept.usedAt = performance.now();
      return kept.value;
    }
    const value = compute(key);
    if (entries.size >= limit) entries.clear();
    entries.set(key, { value, usedAt: performance.now() });
    if (sweep === undefined) sweepAfter(idleMs);
    return value;
  };
  return Object.assign(memo, {
    forget(keys: Iterable<string>) {
      for (const key of keys) entries.delete(key);
      if (entries.size === 0 && sweep !== undefined) {
        clearTimeout(sweep);
        sweep = undefined;
      }
    },
    holds: (key: string) => entries.has(key),
  });
}
