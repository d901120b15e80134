/** Pure figures: percentiles, the table, the ratios and the targets (no I/O, unit-tested). */

export type Target = "floor" | "service";

export interface LevelResult {
  connections: number;
  target: Target;
  /** Seconds of the measured window (after the warm-up). */
  seconds: number;
  /** Responses of any status in the measured window. */
  responses: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number; mean: number };
  /** non-2xx responses + timeouts + other request errors. */
  errors: number;
  errorDetail: { non2xx: number; timeouts: number; otherErrors: number };
  statusCodes: Record<string, number>;
  /** Highest VmRSS seen (100 ms polling) during this level's warm-up and measurement. */
  peakRssMiB: number;
  /** CPU time (user + system) of the target's process per response, in the measured window. */
  cpuMsPerRequest: number;
  /** The same for the database process, when the bench started it (else null). */
  dbCpuMsPerRequest: number | null;
  /** BENCH_COMMANDS=1: the database commands the target sent, per response. */
  commands?: CommandRow[];
}

export interface CommandRow {
  command: string;
  perRequest: number;
  avgMs: number;
  errorsPerRequest: number;
}

export interface Ratio {
  connections: number;
  /** service requests/s ÷ floor requests/s (higher is better; 1 = as fast as the floor). */
  throughput: number;
  /** service p99 ÷ floor p99 (lower is better; 1 = as fast as the floor). */
  p99: number;
}

export interface TargetCheck {
  name: string;
  value: string;
  goal: string;
  pass: boolean;
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  // The epsilon keeps 99.9% of 1000 at rank 999 despite floating point.
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

export function latencySummary(latenciesMs: number[]): LevelResult["latencyMs"] {
  const sorted = Float64Array.from(latenciesMs).sort();
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? (sorted[sorted.length - 1] ?? 0) : 0,
    mean: sorted.length ? sum / sorted.length : 0,
  };
}

/** service ÷ floor at every level where both ran. */
export function ratios(results: LevelResult[]): Ratio[] {
  const levels = [...new Set(results.map((result) => result.connections))].sort((a, b) => a - b);
  const out: Ratio[] = [];
  for (const connections of levels) {
    const floor = results.find((r) => r.connections === connections && r.target === "floor");
    const service = results.find((r) => r.connections === connections && r.target === "service");
    if (!floor || !service) continue;
    const answered = service.responses > 0 && floor.responses > 0;
    out.push({
      connections,
      throughput: divide(service.requestsPerSecond, floor.requestsPerSecond),
      // Without responses there is no latency to compare (the errors column says why).
      p99: answered ? divide(service.latencyMs.p99, floor.latencyMs.p99) : Number.NaN,
    });
  }
  return out;
}

function divide(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN;
}

export const TARGETS = {
  connections: 64,
  minThroughputRatio: 0.8,
  maxP99Ratio: 1.5,
  maxServiceRssMiB: 200,
};

/** Issue 9's targets, judged on this run. */
export function checkTargets(results: LevelResult[]): TargetCheck[] {
  const at = ratios(results).find((ratio) => ratio.connections === TARGETS.connections);
  const service = results.filter((result) => result.target === "service");
  const peak = Math.max(0, ...service.map((result) => result.peakRssMiB));
  const errors = results.reduce((total, result) => total + result.errors, 0);
  return [
    {
      name: `throughput ratio at ${TARGETS.connections} connections`,
      value: at ? at.throughput.toFixed(2) : "not measured",
      goal: `>= ${TARGETS.minThroughputRatio}`,
      pass: at !== undefined && at.throughput >= TARGETS.minThroughputRatio,
    },
    {
      name: `p99 ratio at ${TARGETS.connections} connections`,
      value: at ? formatRatio(at.p99) : "not measured",
      goal: `<= ${TARGETS.maxP99Ratio}`,
      pass: at !== undefined && at.p99 <= TARGETS.maxP99Ratio,
    },
    {
      name: "service peak RSS",
      value: `${peak.toFixed(0)} MiB`,
      goal: `< ${TARGETS.maxServiceRssMiB} MiB`,
      pass: service.length > 0 && peak < TARGETS.maxServiceRssMiB,
    },
    { name: "errors (both targets)", value: String(errors), goal: "0", pass: errors === 0 },
  ];
}

function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

function formatCpu(ms: number): string {
  return Number.isFinite(ms) ? ms.toFixed(2) : "n/a";
}

function formatRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "n/a";
}

/** A plain-text table: the first `leftColumns` columns left-aligned, the rest right-aligned. */
export function textTable(header: string[], rows: string[][], leftColumns = 2): string {
  const widths = header.map((cell, index) =>
    Math.max(cell.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) =>
        index < leftColumns ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map((row) => line(row)),
  ].join("\n");
}

export function resultsTable(results: LevelResult[]): string {
  const sorted = [...results].sort(
    (a, b) => a.connections - b.connections || a.target.localeCompare(b.target),
  );
  return textTable(
    [
      "conns",
      "target",
      "req/s",
      "p50 ms",
      "p99 ms",
      "p99.9 ms",
      "errors",
      "peak RSS MiB",
      "cpu ms/req",
      "db cpu ms/req",
    ],
    sorted.map((result) => [
      String(result.connections),
      result.target,
      result.requestsPerSecond.toFixed(0),
      formatMs(result.latencyMs.p50),
      formatMs(result.latencyMs.p99),
      formatMs(result.latencyMs.p999),
      String(result.errors),
      result.peakRssMiB.toFixed(0),
      formatCpu(result.cpuMsPerRequest),
      result.dbCpuMsPerRequest === null ? "-" : formatCpu(result.dbCpuMsPerRequest),
    ]),
  );
}

export function ratiosTable(values: Ratio[]): string {
  return textTable(
    ["conns", "ratio", "throughput", "p99"],
    values.map((ratio) => [
      String(ratio.connections),
      "service/floor",
      formatRatio(ratio.throughput),
      formatRatio(ratio.p99),
    ]),
  );
}

export function targetsTable(checks: TargetCheck[]): string {
  return textTable(
    ["target (issue 9)", "result", "value", "goal"],
    checks.map((check) => [check.name, check.pass ? "PASS" : "MISS", check.value, check.goal]),
  );
}

/** One row per command, per level: commands per response, their mean round trip, errors. */
export function commandsTable(results: LevelResult[]): string {
  const levels = results.filter((result) => result.commands);
  const names = [
    ...new Set(levels.flatMap((result) => (result.commands ?? []).map((row) => row.command))),
  ];
  const cell = (result: LevelResult, name: string) =>
    result.commands?.find((row) => row.command === name);
  const total = (result: LevelResult) =>
    (result.commands ?? []).reduce((sum, row) => sum + row.perRequest, 0);
  return textTable(
    ["command", ...levels.map((result) => `${result.connections} conns: n/resp  avg ms  err/resp`)],
    [
      ...names.map((name) => [
        name,
        ...levels.map((result) => {
          const row = cell(result, name);
          return row
            ? `${row.perRequest.toFixed(2).padStart(6)} ${row.avgMs.toFixed(1).padStart(7)} ${row.errorsPerRequest.toFixed(2).padStart(6)}`
            : "-";
        }),
      ]),
      ["all", ...levels.map((result) => `${total(result).toFixed(1)}`)],
    ],
    1,
  );
}
