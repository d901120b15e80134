/**
 * `compute` remembered per key, for at most `limit` keys: past that the remembered values are
 * forgotten at once (a webhook's secrets and URL change rarely; a bound keeps deleted ones
 * from piling up).
 */
export function memoized<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const values = new Map<string, V>();
  return (key) => {
    if (values.has(key)) return values.get(key) as V;
    const value = compute(key);
    if (values.size >= limit) values.clear();
    values.set(key, value);
    return value;
  };
}
