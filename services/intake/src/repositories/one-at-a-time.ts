/**
 * Runs the tasks given for one key one after another: each starts when the previous one of
 * that key has settled. FerretDB applies an update as an unguarded read-modify-write of the
 * whole document, so two updates of one document at the same moment lose one another's
 * changes (ADR 0001); within an instance, updates of one document go through this.
 */
export function oneAtATimePerKey() {
  const last = new Map<string, Promise<unknown>>();
  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const next = (last.get(key) ?? Promise.resolve()).then(task);
    const settled = next.then(
      () => {},
      () => {},
    );
    last.set(key, settled);
    void settled.then(() => {
      if (last.get(key) === settled) last.delete(key);
    });
    return next;
  };
}
