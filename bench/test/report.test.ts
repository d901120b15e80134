import { brotliCompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  ALERTMANAGER_FILTER,
  byteLength,
  CYCLE_DUPLICATES,
  cycleTemplates,
  largeTemplates,
  makeId,
  parseLargeScenarios,
  payloadTemplates,
  render,
} from "../src/payloads.js";
import { analyze, LAYERS, layerOf, layersTable, packageOf } from "../src/profile.js";
import {
  CYCLE,
  checkTargets,
  type LevelResult,
  latencySummary,
  MIX,
  percentile,
  ratios,
  ratiosTable,
  resultsTable,
  targetsTable,
} from "../src/report.js";

function level(
  connections: number,
  target: "floor" | "service",
  rps: number,
  p99: number,
  extra: Partial<LevelResult> = {},
): LevelResult {
  return {
    scenario: MIX,
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
    level(64, "service", 1050, 24, { cpuMsPerRequest: 0.55 }),
    level(64, "floor", 1000, 25),
    level(256, "floor", 1000, 100),
  ];
  const large = (scenario: string, target: "floor" | "service", rps: number, rss: number) =>
    level(64, target, rps, 4000, { scenario, peakRssMiB: rss });
  const passes = (checks: ReturnType<typeof checkTargets>) =>
    Object.fromEntries(checks.map((check) => [check.name, check.pass]));

  it("divides the service by the floor at each scenario and level where both ran", () => {
    expect(ratios(results)).toEqual([
      { scenario: MIX, connections: 1, throughput: 0.5, p99: 2, cpu: 1 },
      { scenario: MIX, connections: 64, throughput: 1.05, p99: 0.96, cpu: 1.1 },
    ]);
    const withLarge = [
      ...results,
      large("1 MB", "service", 12, 280),
      large("1 MB", "floor", 15, 200),
    ];
    expect(ratios(withLarge).map((ratio) => [ratio.scenario, ratio.throughput])).toEqual([
      [MIX, 0.5],
      [MIX, 1.05],
      ["1 MB", 0.8],
    ]);
  });

  it("judges issue 17's targets: CPU, ratios at 64 and 1 connections, RSS, errors", () => {
    const checks = checkTargets(results, { embedded: true, serviceMixPeakMiB: 140 });
    expect(checks.map((check) => check.pass)).toEqual([true, true, true, true, true, true]);
    const slow = [
      level(1, "floor", 1000, 1),
      level(1, "service", 400, 2),
      level(64, "floor", 1000, 10),
      level(64, "service", 900, 40, { errors: 3, cpuMsPerRequest: 0.8 }),
    ];
    expect(passes(checkTargets(slow, { embedded: true, serviceMixPeakMiB: 151 }))).toEqual({
      "service CPU per request at 64 connections": false,
      "throughput ratio at 64 connections (embedded FerretDB)": false,
      "p99 ratio at 64 connections (embedded FerretDB)": false,
      "throughput ratio at 1 connection": false,
      "service peak RSS, mix and cycle (whole run)": false,
      "service errors (every level)": false,
    });
  });

  it("judges the 64-connection ratios on the embedded FerretDB only, and RSS over the run", () => {
    const elsewhere = passes(checkTargets(results, { embedded: false }));
    expect(elsewhere["throughput ratio at 64 connections (embedded FerretDB)"]).toBeUndefined();
    expect(elsewhere["p99 ratio at 64 connections (embedded FerretDB)"]).toBeUndefined();
    expect(elsewhere["service CPU per request at 64 connections"]).toBe(true);
    // Without the run's VmHWM, the highest peak of the service's mix levels counts.
    const fat = [...results, level(16, "service", 900, 11, { peakRssMiB: 160 })];
    expect(passes(checkTargets(fat, { embedded: true }))).toMatchObject({
      "service peak RSS, mix and cycle (whole run)": false,
    });
    expect(targetsTable(checkTargets(results, { embedded: false }))).toMatch(
      /p99 ratio at 64 connections \(embedded FerretDB\)\s+-\s+0\.96\s+<= 1\.0/,
    );
  });

  it("judges each large payload's ratio, and RSS at the largest bodies", () => {
    const run = [
      ...results,
      large("100 KB", "floor", 140, 150),
      large("100 KB", "service", 120, 420),
      large("1 MB", "floor", 15, 230),
      large("1 MB", "service", 11, 290),
    ];
    const checks = checkTargets(run, { embedded: true, serviceMixPeakMiB: 140 });
    expect(passes(checks)).toMatchObject({
      "throughput ratio, 100 KB bodies at 64 connections": true,
      "throughput ratio, 1 MB bodies at 64 connections": false,
      "service peak RSS, 1 MB bodies at 64 connections": true,
      "service peak RSS, mix and cycle (whole run)": true,
    });
    expect(checks.at(-1)?.name).toBe("service errors (every level)");
    // The floor's own errors (a database timeout under load) are printed, not judged.
    const floorErrors = [...run, level(16, "floor", 900, 11, { errors: 2 })];
    expect(passes(checkTargets(floorErrors, { embedded: true }))).toMatchObject({
      "service errors (every level)": true,
    });
    const missing = checkTargets([...results, large("1 MB", "service", 11, 310)], {
      embedded: true,
    });
    expect(passes(missing)).toMatchObject({
      "throughput ratio, 1 MB bodies at 64 connections": false,
      "service peak RSS, 1 MB bodies at 64 connections": false,
    });
    expect(missing.find((check) => check.name.startsWith("throughput ratio, 1 MB"))?.value).toBe(
      "not measured",
    );
  });

  it("prints the cycle's ratio after the mix's, and judges it as a small-body level", () => {
    const cycle = (target: "floor" | "service", rps: number, rss: number, errors = 0) =>
      level(64, target, rps, 50, { scenario: CYCLE, peakRssMiB: rss, errors });
    const run = [
      large("1 MB", "floor", 15, 230),
      large("1 MB", "service", 12, 290),
      ...results,
      cycle("floor", 1000, 90),
      cycle("service", 1500, 155, 2),
    ];
    expect(ratios(run).map((ratio) => [ratio.scenario, ratio.throughput])).toEqual([
      [MIX, 0.5],
      [MIX, 1.05],
      [CYCLE, 1.5],
      ["1 MB", 0.8],
    ]);
    expect(resultsTable(run).split("\n")[8]).toMatch(/^cycle\s+64\s+service\s+1500\s/);
    const checks = checkTargets(run, { embedded: true });
    // Not a large payload: no ratio target of its own, and the largest bodies stay 1 MB.
    expect(checks.filter((check) => check.name.includes("cycle bodies"))).toEqual([]);
    expect(passes(checks)).toMatchObject({
      "service peak RSS, 1 MB bodies at 64 connections": true,
      // Its peak counts with the mix's (when the run's VmHWM is not given), its errors too.
      "service peak RSS, mix and cycle (whole run)": false,
      "service errors (every level)": false,
    });
  });

  it("prints one row per scenario, level and target, the mix first, floor first", () => {
    const run = [large("1 MB", "service", 11, 290), ...results, large("1 MB", "floor", 15, 230)];
    const lines = resultsTable(run).split("\n");
    expect(lines[0]).toMatch(
      /^payload\s+conns\s+target\s+req\/s\s+p50 ms\s+p99 ms\s+p99\.9 ms\s+errors/,
    );
    expect(lines).toHaveLength(2 + run.length);
    expect(lines[2]).toMatch(
      /^mix\s+1\s+floor\s+1000\s+0\.50\s+1\.00\s+1\.50\s+0\s+60\s+0\.50\s+-$/,
    );
    expect(lines[3]).toMatch(/^mix\s+1\s+service\s+500/);
    expect(lines[4]).toMatch(/^mix\s+64\s+floor/);
    expect(lines[7]).toMatch(/^1 MB\s+64\s+floor\s+15\.0\s/);
    expect(lines[8]).toMatch(/^1 MB\s+64\s+service\s+11\.0\s/);
    expect(ratiosTable(ratios(run)).split("\n")[4]).toMatch(
      /^1 MB\s+64\s+service\/floor\s+0\.73\s+1\.00\s+1\.00$/,
    );
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

describe("cycle", () => {
  it("opens a group, repeats it with one more alert each time, then resolves it", () => {
    const templates = cycleTemplates();
    expect(templates).toHaveLength(CYCLE_DUPLICATES + 2);
    expect(templates.map((template) => template.sameGroup ?? false)).toEqual([
      false,
      ...Array.from({ length: CYCLE_DUPLICATES }, () => true),
      true,
    ]);
    const id = makeId("abc123", 3);
    const bodies = templates.map((template) => render(template, id).body);
    expect(new Set(bodies).size).toBe(bodies.length);
    const parsed = bodies.map((body) => JSON.parse(body));
    expect(parsed.map((body) => body.status)).toEqual([
      "firing",
      ...Array.from({ length: CYCLE_DUPLICATES }, () => "firing"),
      "resolved",
    ]);
    expect(parsed.map((body) => body.alerts.length)).toEqual([2, 3, 4, 4]);
    for (const body of parsed) expect(body.groupKey).toContain(id);
    expect(
      parsed.at(-1).alerts.every((alert: { status: string }) => alert.status === "resolved"),
    ).toBe(true);
    expect(ALERTMANAGER_FILTER.resolve.condition).toEqual({
      key: "status",
      contains: ["resolved"],
    });
  });
});

describe("large payloads", () => {
  it("reads sizes as 100k and 1m, and none", () => {
    expect(parseLargeScenarios("100k,1m")).toEqual([
      { name: "100 KB", bytes: 100_000, dense: false },
      { name: "1 MB", bytes: 1_000_000, dense: false },
    ]);
    expect(parseLargeScenarios(" 250KB , 2.5m, 1m-dense")).toEqual([
      { name: "250 KB", bytes: 250_000, dense: false },
      { name: "2.5 MB", bytes: 2_500_000, dense: false },
      { name: "1 MB dense", bytes: 1_000_000, dense: true },
    ]);
    expect(parseLargeScenarios("none")).toEqual([]);
    expect(parseLargeScenarios("")).toEqual([]);
    expect(() => parseLargeScenarios("big")).toThrow(/not a size/);
  });

  it("fills each size with an Alertmanager group, with and without a description key", () => {
    const [described, whole] = largeTemplates(100_000);
    if (!described || !whole) throw new Error("two templates expected");
    for (const template of [described, whole]) {
      expect(byteLength(template)).toBeLessThanOrEqual(100_000);
      expect(byteLength(template)).toBeGreaterThan(98_000);
      const body = render(template, makeId("abc123", 7)).body;
      expect(Buffer.byteLength(body)).toBe(byteLength(template));
      expect(JSON.parse(body).groupKey).toContain(makeId("abc123", 7));
    }
    const parsed = (template: typeof described) =>
      JSON.parse(render(template, makeId("a", 1)).body);
    expect(parsed(described).commonAnnotations.description).toBeTruthy();
    expect(parsed(whole).commonAnnotations.description).toBeUndefined();
    expect(parsed(whole).commonAnnotations.summary).toBeTruthy();
    const [megabyte] = largeTemplates(1_000_000);
    expect(byteLength(megabyte ?? described)).toBeGreaterThan(990_000);
  });

  it("fills a dense size with random base64 that compresses to about three quarters", () => {
    for (const template of largeTemplates(100_000, true)) {
      expect(byteLength(template)).toBeLessThanOrEqual(100_000);
      expect(byteLength(template)).toBeGreaterThan(99_000);
      const body = render(template, makeId("abc123", 7)).body;
      expect(Buffer.byteLength(body)).toBe(byteLength(template));
      expect(JSON.parse(body)).toMatchObject({ status: "firing" });
      const compressed = brotliCompressSync(body).byteLength;
      expect(compressed / byteLength(template)).toBeGreaterThan(0.7);
    }
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

describe("layers", () => {
  const at = (functionName: string, url: string) => ({
    functionName,
    url,
    lineNumber: 0,
    columnNumber: 0,
  });
  const intake = (path: string) => `file:///w/services/intake/dist/${path}`;
  const modules = (path: string) => `file:///w/node_modules/.pnpm/x@1/node_modules/${path}`;

  it("gives a sample to the innermost frame a rule names", () => {
    // Leaf first: a hash in the auth code is auth; the driver's work is the driver's.
    expect(
      layerOf([
        at("digest", "node:internal/crypto/hash"),
        at("hashSecret", intake("usecases/secrets.js")),
        at("authenticate", intake("usecases/authenticate.js")),
        at("handle", modules("router/index.js")),
      ]),
    ).toBe(LAYERS.auth);
    expect(
      layerOf([
        at("serializeInto", modules("bson/lib/bson.cjs")),
        at("insertMany", modules("mongodb/lib/collection.js")),
        at("insertBatch", intake("repositories/insert-batches.js")),
      ]),
    ).toBe(LAYERS.driver);
    expect(layerOf([at("toNewDoc", intake("repositories/incidents.js"))])).toBe(
      LAYERS.repositories,
    );
    expect(layerOf([at("deliveryKey", intake("usecases/ingest.js"))])).toBe(LAYERS.ingest);
  });

  it("passes frames no rule names (natives, builtins, small helpers) to their caller", () => {
    expect(
      layerOf([
        at("validate12", ""),
        at("match", modules("path-to-regexp/dist/index.js")),
        at("lookupRoute", modules("express-openapi-validator/dist/middlewares/x.js")),
      ]),
    ).toBe(LAYERS.validator);
    expect(
      layerOf([
        at("writev", ""),
        at("writeGeneric", "node:internal/stream_base_commons"),
        at("end", "node:_http_outgoing"),
        at("send", modules("express/lib/response.js")),
        at("json", modules("express/lib/response.js")),
      ]),
    ).toBe(LAYERS.response);
    expect(
      layerOf([at("parserOnHeadersComplete", "node:_http_common"), at("emit", "node:events")]),
    ).toBe(LAYERS.http);
    expect(layerOf([at("(garbage collector)", "")])).toBe(LAYERS.gc);
    expect(layerOf([at("runMicrotasks", "")])).toBe(LAYERS.other);
  });

  it("prints ms per request by layer, one column per level", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: at("(root)", ""), children: [2, 3, 4] },
        { id: 2, callFrame: at("readPayload", "file:///w/packages/domain/dist/payload.js") },
        { id: 3, callFrame: at("(garbage collector)", "") },
        { id: 4, callFrame: at("(idle)", "") },
      ],
      startTime: 0,
      endTime: 4_000,
      samples: [2, 2, 3, 4],
      timeDeltas: [1_000, 1_000, 1_000, 1_000],
    };
    const summary = analyze(profile);
    expect(summary.layers).toEqual([
      { name: LAYERS.domain, ms: 2, percent: 200 / 3 },
      { name: LAYERS.gc, ms: 1, percent: 100 / 3 },
    ]);
    const lines = layersTable([{ label: "64 conns", summary, responses: 4 }]).split("\n");
    expect(lines[0]).toMatch(/^layer\s+64 conns: ms\/req\s+share$/);
    expect(lines[2]).toMatch(/^filters\/domain \(parse, decide\)\s+0\.500\s+66\.7%$/);
    expect(lines[3]).toMatch(/^garbage collector \(main thread\)\s+0\.250\s+33\.3%$/);
    expect(lines[4]).toMatch(/^all busy time \(main thread\)\s+0\.750\s+100\.0%$/);
    expect(lines[5]).toMatch(/^idle\s+25% of the window$/);
  });
});
