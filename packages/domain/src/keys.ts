const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Renders the value at `path` per docs/product.md §3, or undefined when absent.
 * A literal top-level key wins; otherwise `path` is a dot path whose numeric segments index arrays.
 */
export function readKey(json: unknown, path: string | undefined): string | undefined {
  if (path === undefined || path.trim() === "") return undefined;
  const literal = render(child(json, path));
  if (literal !== undefined || !path.includes(".")) return literal;
  let node = json;
  for (const segment of path.split(".")) {
    node = child(node, segment);
    if (node === undefined) return undefined;
  }
  return render(node);
}

/** Own members only: `__proto__`, `constructor` or `length` never resolve to inherited or built-in ones. */
function child(node: unknown, key: string): unknown {
  if (Array.isArray(node)) return ARRAY_INDEX.test(key) ? node[Number(key)] : undefined;
  if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
  return (node as Record<string, unknown>)[key];
}

function render(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value.trim() === "" ? undefined : value;
    case "number":
    case "boolean":
      return JSON.stringify(value);
    case "object":
      return value === null ? undefined : JSON.stringify(value);
    default:
      return undefined;
  }
}
