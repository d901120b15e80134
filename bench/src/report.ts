/** Pure figures: percentiles, the table, the ratios and the targets (no I/O, unit-tested). */

export type Target = "floor" | "service";

/** The standard payload mix's scenario name; large-payload scenarios are named by size. */
export const MIX = "mix";
/** The resolve/duplicate scenario: each group opened, repeated, then resolved (payloads.ts). */
export const CYCLE = "cycle";

/** The large-payload scenarios are every one but the mix and the cycle. */
export function isLarge(scenario: string): boolean {
  return scenario !== MIX && scenario !== CYCLE;
}

export interface LevelResult {
  /** MIX, CYCLE, or a large-payload scenario ("100 KB", "1 MB"). */
  scenario: string;
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
  scenario: string;
  connections: number;
  /** service requests/s ÷ floor requests/s (higher is better; 1 = as fast as the floor). */
  throughput: number;
  /** service p99 ÷ floor p99 (lower is better; 1 = as fast as the floor). */
  p99: number;
  /** service CPU ms per request ÷ the floor's (lower is better; the machine cancels out). */
  cpu: number;
}

export interface TargetCheck {
  name: string;
  value: string;
  goal: string;
  /** undefined: not judged on this run (e.g. a target stated for another database). */
  pass: boolean | undefined;
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

/** service ÷ floor at every scenario and level where both ran. */
export function ratios(results: LevelResult[]): Ratio[] {
  const out: Ratio[] = [];
  for (const { scenario, connections } of levelsOf(results)) {
    const of = (target: Target) =>
      results.find(
        (r) => r.scenario === scenario && r.connections === connections && r.target === target,
      );
    const floor = of("floor");
    const service = of("service");
    if (!floor || !service) continue;
    const answered = service.responses > 0 && floor.responses > 0;
    out.push({
      scenario,
      connections,
      throughput: divide(service.requestsPerSecond, floor.requestsPerSecond),
      // Without responses there is no latency to compare (the errors column says why).
      p99: answered ? divide(service.latencyMs.p99, floor.latencyMs.p99) : Number.NaN,
      cpu: divide(service.cpuMsPerRequest, floor.cpuMsPerRequest),
    });
  }
  return out;
}

/**
 * Every (scenario, connections) measured: the mix, the cycle, then the large payloads, each by
 * connections, else in the order they ran.
 */
function levelsOf(results: LevelResult[]): Array<{ scenario: string; connections: number }> {
  const seen = new Map<string, { scenario: string; connections: number }>();
  for (const { scenario, connections } of results) {
    seen.set(`${scenario}\n${connections}`, { scenario, connections });
  }
  const group = (scenario: string) => (scenario === MIX ? 0 : scenario === CYCLE ? 1 : 2);
  return [...seen.values()].sort(
    (a, b) => group(a.scenario) - group(b.scenario) || a.connections - b.connections,
  );
}

function divide(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? a / b : Number.NaN;
}

/** Issue 17's targets (they replace issue 9's, which they tighten). */
export const TARGETS = {
  /** Where throughput, p99 and CPU per request are judged for the mix. */
  connections: 64,
  maxServiceCpuMsPerRequest: 0.6,
  /** Judged on the embedded FerretDB (SQLite) only: the database the targets were set on. */
  minThroughputRatio: 1.0,
  maxP99Ratio: 1.0,
  singleConnection: 1,
  minSingleConnectionThroughputRatio: 0.5,
  /** The mix and the cycle, over the whole run (VmHWM before the large payloads). */
  maxServiceRssMiB: 150,
  /** Each large-payload scenario, at its connections. */
  minLargeThroughputRatio: 0.8,
  /** With the largest bodies (1 MB): 64 of them at once. */
  maxLargeServiceRssMiB: 300,
};

export interface TargetContext {
  /** The embedded FerretDB (SQLite backend), which the throughput and p99 targets are for. */
  embedded: boolean;
  /**
   * The service's VmHWM over the mix and the cycle (the run before the large payloads); else
   * the highest peak of their levels.
   */
  serviceMixPeakMiB?: number;
}

/** Issue 17's targets, judged on this run. */
export function checkTargets(results: LevelResult[], context: TargetContext): TargetCheck[] {
  const all = ratios(results);
  const ratioAt = (scenario: string, connections: number) =>
    all.find((ratio) => ratio.scenario === scenario && ratio.connections === connections);
  const at = ratioAt(MIX, TARGETS.connections);
  const single = ratioAt(MIX, TARGETS.singleConnection);
  const service = results.filter((result) => result.target === "service");
  const serviceMix = service.filter((result) => result.scenario === MIX);
  const serviceSmall = service.filter((result) => !isLarge(result.scenario));
  const cpuLevel = serviceMix.find((result) => result.connections === TARGETS.connections);
  const mixPeak =
    context.serviceMixPeakMiB ?? Math.max(0, ...serviceSmall.map((result) => result.peakRssMiB));
  const errors = service.reduce((total, result) => total + result.errors, 0);
  const embeddedOnly = (pass: boolean) => (context.embedded ? pass : undefined);
  const checks: TargetCheck[] = [
    {
      name: `service CPU per request at ${TARGETS.connections} connections`,
      value: cpuLevel ? `${formatCpu(cpuLevel.cpuMsPerRequest)} ms` : "not measured",
      goal: `<= ${TARGETS.maxServiceCpuMsPerRequest} ms`,
      pass: cpuLevel !== undefined && cpuLevel.cpuMsPerRequest <= TARGETS.maxServiceCpuMsPerRequest,
    },
    {
      name: `throughput ratio at ${TARGETS.connections} connections (embedded FerretDB)`,
      value: at ? formatRatio(at.throughput) : "not measured",
      goal: `>= ${TARGETS.minThroughputRatio.toFixed(1)}`,
      pass: embeddedOnly(at !== undefined && at.throughput >= TARGETS.minThroughputRatio),
    },
    {
      name: `p99 ratio at ${TARGETS.connections} connections (embedded FerretDB)`,
      value: at ? formatRatio(at.p99) : "not measured",
      goal: `<= ${TARGETS.maxP99Ratio.toFixed(1)}`,
      pass: embeddedOnly(at !== undefined && at.p99 <= TARGETS.maxP99Ratio),
    },
    {
      name: `throughput ratio at ${TARGETS.singleConnection} connection`,
      value: single ? formatRatio(single.throughput) : "not measured",
      goal: `>= ${TARGETS.minSingleConnectionThroughputRatio}`,
      pass: single !== undefined && single.throughput >= TARGETS.minSingleConnectionThroughputRatio,
    },
    {
      name: "service peak RSS, mix and cycle (whole run)",
      value: serviceSmall.length ? `${mixPeak.toFixed(0)} MiB` : "not measured",
      goal: `<= ${TARGETS.maxServiceRssMiB} MiB`,
      pass: serviceSmall.length > 0 && mixPeak <= TARGETS.maxServiceRssMiB,
    },
  ];
  const large = levelsOf(results).filter((level) => isLarge(level.scenario));
  for (const { scenario, connections } of large) {
    const ratio = ratioAt(scenario, connections);
    checks.push({
      name: `throughput ratio, ${scenario} bodies at ${connections} connections`,
      value: ratio ? formatRatio(ratio.throughput) : "not measured",
      goal: `>= ${TARGETS.minLargeThroughputRatio}`,
      pass: ratio !== undefined && ratio.throughput >= TARGETS.minLargeThroughputRatio,
    });
  }
  const largest = service
    .filter((result) => isLarge(result.scenario))
    .sort(
      (a, b) => largeBytes(b.scenario) - largeBytes(a.scenario) || b.connections - a.connections,
    )[0];
  if (largest) {
    checks.push({
      name: `service peak RSS, ${largest.scenario} bodies at ${largest.connections} connections`,
      value: `${largest.peakRssMiB.toFixed(0)} MiB`,
      goal: `<= ${TARGETS.maxLargeServiceRssMiB} MiB`,
      pass: largest.peakRssMiB <= TARGETS.maxLargeServiceRssMiB,
    });
  }
  checks.push({
    name: "service errors (every level)",
    value: service.length ? String(errors) : "not measured",
    goal: "0",
    pass: service.length > 0 && errors === 0,
  });
  return checks;
}

/** The byte size a scenario name stands for ("100 KB", "1 MB", "1 MB dense"); 0 for the mix. */
function largeBytes(scenario: string): number {
  const match = /^([\d.]+) (KB|MB)( dense)?$/.exec(scenario);
  return match ? Number(match[1]) * (match[2] === "MB" ? 1e6 : 1e3) : 0;
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
  const order = levelsOf(results);
  const rank = (result: LevelResult) =>
    order.findIndex(
      (level) => level.scenario === result.scenario && level.connections === result.connections,
    );
  const sorted = [...results].sort((a, b) => rank(a) - rank(b) || a.target.localeCompare(b.target));
  return textTable(
    [
      "payload",
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
      result.scenario,
      String(result.connections),
      result.target,
      result.requestsPerSecond.toFixed(result.requestsPerSecond < 100 ? 1 : 0),
      formatMs(result.latencyMs.p50),
      formatMs(result.latencyMs.p99),
      formatMs(result.latencyMs.p999),
      String(result.errors),
      result.peakRssMiB.toFixed(0),
      formatCpu(result.cpuMsPerRequest),
      result.dbCpuMsPerRequest === null ? "-" : formatCpu(result.dbCpuMsPerRequest),
    ]),
    3,
  );
}

export function ratiosTable(values: Ratio[]): string {
  return textTable(
    ["payload", "conns", "ratio", "throughput", "p99", "cpu/req"],
    values.map((ratio) => [
      ratio.scenario,
      String(ratio.connections),
      "service/floor",
      formatRatio(ratio.throughput),
      formatRatio(ratio.p99),
      formatRatio(ratio.cpu),
    ]),
    3,
  );
}

export function targetsTable(checks: TargetCheck[]): string {
  return textTable(
    ["target (issue 17)", "result", "value", "goal"],
    checks.map((check) => [
      check.name,
      check.pass === undefined ? "-" : check.pass ? "PASS" : "FAIL",
      check.value,
      check.goal,
    ]),
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
  const label = (result: LevelResult) =>
    `${result.scenario === MIX ? "" : `${result.scenario}, `}${result.connections} conns`;
  return textTable(
    ["command", ...levels.map((result) => `${label(result)}: n/resp  avg ms  err/resp`)],
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
