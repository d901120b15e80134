/** Tables for people, JSON for scripts (--json). */
export interface Output {
  json: boolean;
  /** Prints the value as JSON (--json) or calls `human`. */
  result(value: unknown, human: () => void): void;
  line(text?: string): void;
  table(rows: Array<Record<string, unknown>>, columns: Array<[key: string, header: string]>): void;
  fields(pairs: Array<[label: string, value: unknown]>): void;
}

export function outputFor(options: { json?: boolean }): Output {
  const json = options.json === true;
  const line = (text = "") => {
    process.stdout.write(`${text}\n`);
  };
  return {
    json,
    result(value, human) {
      if (json) line(JSON.stringify(value, null, 2));
      else human();
    },
    line,
    table(rows, columns) {
      if (rows.length === 0) {
        line("(none)");
        return;
      }
      const cells = rows.map((row) => columns.map(([key]) => cell(row[key])));
      const widths = columns.map(([, header], i) =>
        Math.max(header.length, ...cells.map((row) => width(row[i] ?? ""))),
      );
      const render = (values: string[]) =>
        values
          .map((value, i) => (i === values.length - 1 ? value : pad(value, widths[i] ?? 0)))
          .join("  ")
          .trimEnd();
      line(render(columns.map(([, header]) => header)));
      for (const row of cells) line(render(row));
    },
    fields(pairs) {
      const shown = pairs.filter(([, value]) => value !== undefined && value !== null);
      const labelWidth = Math.max(...shown.map(([label]) => label.length));
      // Never cut here: these are the values people copy (secrets, ids).
      for (const [label, value] of shown) {
        line(`${pad(`${label}:`, labelWidth + 1)}  ${cell(value, Number.POSITIVE_INFINITY)}`);
      }
    },
  };
}

/** One cell: dates shortened, absent as "-", newlines flattened, long text cut. */
export function cell(value: unknown, max = 80): string {
  if (value === undefined || value === null || value === "") return "-";
  if (typeof value === "boolean") return value ? "yes" : "no";
  let text = typeof value === "string" ? value : JSON.stringify(value);
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text)) {
    text = `${text.slice(0, 10)} ${text.slice(11, 19)}Z`;
  }
  text = text.replace(/\s*\n\s*/g, " ");
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number): string {
  return text + " ".repeat(Math.max(0, size - width(text)));
}
