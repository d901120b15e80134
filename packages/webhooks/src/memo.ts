/** `compute` remembered per key; `forget` drops keys whose values must not stay in memory. */
export interface Memo<V> {
  (key: string): V;
  forget(keys: Iterable<string>): void;
  holds(key: string): boolean;
}

/**
 * `compute` remembered per key, for at most `limit` keys: past that the remembered values are
 * forgotten at once (a webhook's secrets and URL change rarely; a bound keeps deleted ones
 * from piling up).
 */
export function memoized<V>(limit: number, compute: (key: string) => V): Memo<V> {
  const values = new Map<string, V>();
  const memo = (key: string): V => {
    if (values.has(key)) return values.get(key) as V;
    const value = compute(key);
    if (values.size >= limit) values.clear();
    values.set(key, value);
    return value;
  };
  return Object.assign(memo, {
    forget(keys: Iterable<string>) {
      for (const key of keys) values.delete(key);
    },
    holds: (key: string) => values.has(key),
  });
}
