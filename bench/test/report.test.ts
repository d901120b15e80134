import { describe, expect, it } from "vitest";
import {
  ALERTMANAGER_FILTER,
  byteLength,
  makeId,
  payloadTemplates,
  render,
} from "../src/payloads.js";
import { analyze, packageOf } from "../src/profile.js";
import {
  checkTargets,
  type LevelResult,
  latencySummary,
  percentile,
  ratios,
  resultsTable,
} from "../src/report.js";

function level(
  connections: number,
  target: "floor" | "service",
  rps: number,
  p99: number,
  extra: Partial<LevelResult> = {},
): LevelResult {
  return {
    connections,
    target,
    seconds: 10,
    responses: rps * 10,
    requestsPerSecond: rps,
    latencyMs: { p50: p99 / 2, p99, p999: p99 * 1.5, max: p99 * 2, mean: p99 / 2 },
    errors: 0,
    errorDetail: { non2xx: 0, timeouts: 0, otherErrors: 0 },
    statusCodes: { "201": rps * 10 },
    peakRssMiB: target === "floor" ? 60 : 120,
    cpuMsPerRequest: 0.5,
    dbCpuMsPerRequest: null,
    ...extra,
  };
}

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const sorted = Array.from({ length: 1000 }, (_, index) => index + 1);
    expect(percentile(sorted, 50)).toBe(500);
    expect(percentile(sorted, 99)).toBe(990);
    expect(percentile(sorted, 99.9)).toBe(999);
    expect(percentile(sorted, 100)).toBe(1000);
    expect(percentile([], 99)).toBe(0);
    expect(percentile([7], 0)).toBe(7);
  });

  it("summarizes unsorted latencies", () => {
    const summary = latencySummary([3, 1, 2, 4]);
    expect(summary).toMatchObject({ p50: 2, p99: 4, p999: 4, max: 4, mean: 2.5 });
  });
});

describe("ratios and targets", () => {
  const results = [
    level(1, "floor", 1000, 1),
    level(1, "service", 500, 2),
    level(64, "service", 850, 30),
    level(64, "floor", 1000, 25),
    level(256, "floor", 1000, 100),
  ];

  it("divides the service by the floor at each level where both ran", () => {
    expect(ratios(results)).toEqual([
      { connections: 1, throughput: 0.5, p99: 2 },
      { connections: 64, throughput: 0.85, p99: 1.2 },
    ]);
  });

  it("judges issue 9's targets at 64 connections", () => {
    expect(checkTargets(results).map((check) => check.pass)).toEqual([true, true, true, true]);
    const slow = [level(64, "floor", 1000, 10), level(64, "service", 500, 40, { errors: 3 })];
    expect(checkTargets(slow).map((check) => check.pass)).toEqual([false, false, true, false]);
    const fat = [level(64, "floor", 1000, 10), level(64, "service", 900, 11, { peakRssMiB: 250 })];
    expect(checkTargets(fat).map((check) => check.pass)).toEqual([true, true, false, true]);
  });

  it("prints one row per level and target, floor first", () => {
    const lines = resultsTable(results).split("\n");
    expect(lines[0]).toMatch(/^conns\s+target\s+req\/s\s+p50 ms\s+p99 ms\s+p99\.9 ms\s+errors/);
    expect(lines).toHaveLength(2 + results.length);
    expect(lines[2]).toMatch(/^1\s+floor\s+1000\s+0\.50\s+1\.00\s+1\.50\s+0\s+60\s+0\.50\s+-$/);
    expect(lines[3]).toMatch(/^1\s+service\s+500/);
    expect(lines[4]).toMatch(/^64\s+floor/);
  });
});

describe("payload mix", () => {
  it("has the three sizes of issue 9, each body unique", () => {
    const [alertmanager, text, large] = payloadTemplates();
    if (!alertmanager || !text || !large) throw new Error("three payloads expected");
    expect(byteLength(alertmanager)).toBeGreaterThan(1_700);
    expect(byteLength(alertmanager)).toBeLessThan(2_400);
    expect(byteLength(text)).toBeGreaterThan(250);
    expect(byteLength(text)).toBeLessThan(350);
    expect(byteLength(large)).toBeGreaterThan(18_000);
    expect(byteLength(large)).toBeLessThan(22_000);
    const first = render(alertmanager, makeId("abc123", 1));
    const second = render(alertmanager, makeId("abc123", 2));
    expect(first.body).not.toBe(second.body);
    expect(Buffer.byteLength(first.body)).toBe(byteLength(alertmanager));
    const parsed = JSON.parse(first.body);
    expect(parsed.status).toBe("firing");
    expect(parsed.groupKey).toContain(makeId("abc123", 1));
    expect(parsed.commonAnnotations.summary).toBeTruthy();
    expect(ALERTMANAGER_FILTER.triggers[0]?.correlationKey).toBe("groupKey");
  });
});

describe("profile summary", () => {
  it("attributes self and inclusive time by package", () => {
    const frame = (functionName: string, url: string) => ({
      functionName,
      url,
      lineNumber: 0,
      columnNumber: 0,
    });
    const profileOf = () => ({
      nodes: [
        { id: 1, callFrame: frame("(root)", ""), children: [2, 4] },
        {
          id: 2,
          callFrame: frame(
            "handle",
            "file:///r/node_modules/.pnpm/express@5/node_modules/express/a.js",
          ),
          children: [3],
        },
        { id: 3, callFrame: frame("validate", "file:///r/node_modules/ajv/dist/x.js") },
        { id: 4, callFrame: frame("(idle)", "") },
      ],
      startTime: 0,
      endTime: 4_000,
      samples: [3, 3, 2, 4],
      timeDeltas: [1_000, 1_000, 1_000, 1_000],
    });
    const summary = analyze(profileOf());
    expect(summary.idlePercent).toBe(25);
    expect(summary.packagesSelf.map((share) => share.name)).toEqual(["ajv", "express"]);
    expect(summary.packagesInclusive[0]).toMatchObject({ name: "express", percent: 100 });
    const early = analyze(profileOf(), "", [[0, 2_500]]);
    expect(early.packagesSelf.map((share) => share.name)).toEqual(["ajv"]);
    expect(packageOf(frame("x", "file:///w/services/intake/dist/app.js"))).toBe("@sqibs/intake");
    expect(packageOf(frame("x", "node:internal/streams/readable"))).toBe("node:streams");
  });
});
