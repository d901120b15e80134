#!/usr/bin/env node
/**
 * pnpm bench: the service against the floor, side by side, on one database. See README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serviceLauncher } from "@sqibs/intake";
import { freePort, startFerretDB, startPostgreSQL } from "@sqibs/testing";
import { MongoClient } from "mongodb";
import { type CensusProxy, censusDelta, commandRows, startCensusProxy } from "./census.js";
import { configureService } from "./configure.js";
import {
  type AllocationSummary,
  allocatingFunctionsTable,
  allocationsTable,
  type LevelAllocations,
  watchAllocations,
} from "./inspector.js";
import { drive, idSource, type LoadOptions, stopActiveLoads } from "./load.js";
import { failuresIn, readSince, sizeOf } from "./log-failures.js";
import {
  byteLength,
  cycleTemplates,
  type LargeScenario,
  largeTemplates,
  type Payload,
  type PayloadTemplate,
  parseLargeScenarios,
  payloadTemplates,
  render,
} from "./payloads.js";
import {
  type Preloaded,
  preloadOpenIncidents,
  type Sweep,
  type SweepTimes,
  timeSweeps,
} from "./preload.js";
import {
  Cleanup,
  childrenOf,
  cpuSecondsBetween,
  cpuSecondsOf,
  cpuSecondsOfEach,
  memoryOf,
  quiesce,
  type Server,
  servesDatabase,
  startServer,
  watchRss,
} from "./processes.js";
import {
  type LevelProfile,
  layersTable,
  loadProfiles,
  type ProfileSummary,
  summarizeProfile,
  topTable,
  type Window,
} from "./profile.js";
import {
  CYCLE,
  checkTargets,
  commandsTable,
  isLarge,
  type LevelResult,
  latencySummary,
  MIX,
  ratios,
  ratiosTable,
  resultsTable,
  type Target,
  targetsTable,
} from "./report.js";
import { benchWebhooks, type WebhookBenchResult, webhookReport } from "./webhooks.js";

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "..", "results");
const floorScript = join(here, "floor.js");
const UNREACHED_LIMIT = "1000000000";

type Backend = "sqlite" | "postgresql";

interface Settings {
  /** The throwaway FerretDB's backend (without MONGODB_URI). */
  backend: Backend;
  seconds: number;
  warmupSeconds: number;
  connections: number[];
  targets: Target[];
  profile: boolean;
  commands: boolean;
  /** The service's JS heap allocations and memory peaks per level, through its inspector. */
  allocations: boolean;
  /** Extra `node` flags for the service (e.g. `--trace-gc`, which NODE_OPTIONS refuses). */
  serviceNodeArgs: string[];
  /** The resolve/duplicate cycle's concurrency levels, after the mix (none: left out). */
  cycleConnections: number[];
  /** Large-payload scenarios, after the cycle, each at `largeConnections`. */
  large: LargeScenario[];
  largeConnections: number;
  /**
   * A large body takes seconds to answer at 64 connections, and they are answered in bursts:
   * a longer warm-up and window than the mix's, so that the window holds several bursts.
   */
  largeSeconds: number;
  largeWarmupSeconds: number;
  /** The outgoing webhooks' part (webhooks.ts): off with BENCH_WEBHOOKS=0. */
  webhooks: boolean;
  webhookConnections: number[];
  deliveries: number;
  /**
   * Open incidents stored before the load (preload.ts), and the sweeps of expired deliveries
   * timed before and after it; unset: neither.
   */
  openIncidents: number | undefined;
}

function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number) => {
    const value = env[name] === undefined || env[name] === "" ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
    return value;
  };
  const levels = (name: string, fallback: string) => {
    const text = (env[name] || fallback).trim();
    if (text === "none") return [];
    const values = text.split(",").map((level) => Number(level.trim()));
    if (values.some((value) => !Number.isInteger(value) || value < 1)) {
      throw new Error(`${name} must be a comma-separated list of positive integers`);
    }
    return values;
  };
  const connections = levels("BENCH_CONNECTIONS", "1,16,64,256");
  const backend = env.BENCH_BACKEND || "sqlite";
  if (backend !== "sqlite" && backend !== "postgresql") {
    throw new Error("BENCH_BACKEND must be sqlite or postgresql");
  }
  if (env.BENCH_BACKEND && env.MONGODB_URI) {
    throw new Error("BENCH_BACKEND chooses the throwaway FerretDB's backend: unset MONGODB_URI");
  }
  const largeConnections = number("BENCH_LARGE_CONNECTIONS", 64);
  if (!Number.isInteger(largeConnections) || largeConnections < 1) {
    throw new Error("BENCH_LARGE_CONNECTIONS must be a positive integer");
  }
  const targets = (env.BENCH_TARGETS || "floor,service").split(",").map((text) => text.trim());
  if (!targets.every((target): target is Target => target === "floor" || target === "service")) {
    throw new Error("BENCH_TARGETS must list floor and/or service");
  }
  return {
    backend,
    targets,
    seconds: number("BENCH_SECONDS", 10),
    warmupSeconds: number("BENCH_WARMUP_SECONDS", 3),
    connections,
    profile: env.BENCH_PROFILE === "1" || env.BENCH_PROFILE === "true",
    commands: env.BENCH_COMMANDS === "1" || env.BENCH_COMMANDS === "true",
    allocations: env.BENCH_ALLOCATIONS === "1" || env.BENCH_ALLOCATIONS === "true",
    serviceNodeArgs: (env.BENCH_SERVICE_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
    cycleConnections: levels("BENCH_CYCLE_CONNECTIONS", "64"),
    large: parseLargeScenarios(env.BENCH_LARGE_PAYLOADS ?? "100k,1m"),
    largeConnections,
    largeSeconds: number("BENCH_LARGE_SECONDS", 30),
    largeWarmupSeconds: number("BENCH_LARGE_WARMUP_SECONDS", 10),
    webhooks: env.BENCH_WEBHOOKS !== "0" && env.BENCH_WEBHOOKS !== "false",
    webhookConnections: levels("BENCH_WEBHOOK_CONNECTIONS", "16,64"),
    deliveries: number("BENCH_DELIVERIES", 2000),
    openIncidents: env.BENCH_OPEN_INCIDENTS ? number("BENCH_OPEN_INCIDENTS", 0) : undefined,
  };
}

function log(message: string) {
  process.stderr.write(`bench: ${message}\n`);
}

// autocannon's timers can ask for a negative delay when the loop is late; Node warns, harmlessly.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name !== "TimeoutNegativeWarning") process.stderr.write(`${warning.stack}\n`);
});

async function main() {
  const settings = settingsFrom(process.env);
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    await run(settings, cleanup);
  } finally {
    await cleanup.run();
  }
}

async function run(settings: Settings, cleanup: Cleanup) {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const runTag = randomBytes(3).toString("hex");
  mkdirSync(resultsDir, { recursive: true });

  // 1. One database for the run.
  let uri = process.env.MONGODB_URI;
  let database = "MONGODB_URI";
  /** The database's processes, when the bench started them (their CPU, and when they are idle). */
  let databasePids: () => number[] = () => [];
  /** Those whose work is the targets' commands (see settle): PostgreSQL's own chores are not. */
  let databaseWorkerPids: () => number[] = () => [];
  if (!uri) {
    const dataDir = mkdtempSync(join(tmpdir(), "sqibs-bench-"));
    cleanup.add("remove the FerretDB data directory", () =>
      rmSync(dataDir, { recursive: true, force: true }),
    );
    let postgresql: { url: string; pid: number } | undefined;
    if (settings.backend === "postgresql") {
      log("starting a throwaway PostgreSQL");
      const server = await startPostgreSQL();
      cleanup.add("stop PostgreSQL and remove its cluster", () => server.stop());
      postgresql = server;
    }
    log(`starting a throwaway FerretDB (${settings.backend} backend)`);
    const ferret = await startFerretDB({
      dataDir,
      ...(postgresql ? { postgresqlUrl: postgresql.url } : {}),
    });
    cleanup.add("stop FerretDB", () => ferret.stop());
    uri = ferret.uri;
    const server = postgresql?.pid;
    databasePids = () => [ferret.pid, ...(server ? [server, ...childrenOf(server)] : [])];
    databaseWorkerPids = () => [
      ferret.pid,
      ...(server ? childrenOf(server).filter((pid) => servesDatabase(pid, "ferretdb")) : []),
    ];
    database = postgresql
      ? "throwaway FerretDB (PostgreSQL backend, on a throwaway PostgreSQL)"
      : "throwaway FerretDB (SQLite backend)";
  }
  const embedded = !process.env.MONGODB_URI && settings.backend === "sqlite";
  const serviceDb = `bench_${runTag}`;
  const floorDb = `bench_floor_${runTag}`;
  const mongoUri = uri;
  if (databasePids().length === 0) {
    // Someone else's database: leave nothing behind. (A throwaway FerretDB goes whole; a
    // dropDatabase there can crash it while it still finishes abandoned commands.)
    cleanup.add("drop the bench databases", async () => {
      const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 2_000 });
      try {
        const { databases } = await client.db().admin().listDatabases({ nameOnly: true });
        for (const { name } of databases) {
          if (name.startsWith("bench_") && name.endsWith(`_${runTag}`)) {
            await client.db(name).dropDatabase();
          }
        }
      } finally {
        await client.close();
      }
    });
  }

  // 2. The service's configuration, written directly in its database.
  const configured = await configureService(uri, serviceDb);
  const token = configured.globalSecret;
  let preload:
    | { stored: Preloaded; sweeps: { before: SweepTimes; after?: SweepTimes } }
    | undefined;
  if (settings.openIncidents !== undefined) {
    log(`storing ${settings.openIncidents} open incidents (BENCH_OPEN_INCIDENTS)`);
    const stored = await preloadOpenIncidents(
      mongoUri,
      serviceDb,
      configured.opener,
      settings.openIncidents,
    );
    const before = await timeSweeps(mongoUri, serviceDb);
    preload = { stored, sweeps: { before } };
    log(`${preloadLine(stored)}; before the load: ${sweepLine(before)}`);
  }

  // 3. The two targets, each a child process of its own (with BENCH_COMMANDS, each behind a
  // proxy of its own that counts its database commands).
  const proxies: Partial<Record<Target, CensusProxy>> = {};
  if (settings.commands) {
    for (const target of ["floor", "service"] as const) {
      const proxy = await startCensusProxy(uri);
      proxies[target] = proxy;
      cleanup.add(`close the ${target}'s command proxy`, () => proxy.close());
    }
  }
  const uriFor = (target: Target) => proxies[target]?.uri ?? mongoUri;
  const common = { ...process.env, HOST: "127.0.0.1" };
  const profileDir = join(resultsDir, `profile-${stamp}`);
  const runners: Record<Target, Runner> = {
    floor: await runner(
      "floor",
      async () => {
        const port = await freePort();
        return startServer({
          name: "floor",
          script: floorScript,
          env: { ...common, MONGODB_URI: uriFor("floor"), MONGODB_DB: floorDb, PORT: String(port) },
          port,
          readyPath: "/readyz",
          logFile: join(resultsDir, `${stamp}-floor.log`),
        });
      },
      cleanup,
    ),
    service: await runner(
      "service",
      async () => {
        const port = await freePort();
        const inspectPort = settings.allocations ? await freePort() : undefined;
        const server = await startServer({
          name: "service",
          launcher: serviceLauncher,
          nodeArgs: [
            ...settings.serviceNodeArgs,
            ...(settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
            ...(inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
          ],
          env: {
            ...common,
            MONGODB_URI: uriFor("service"),
            MONGODB_DB: serviceDb,
            PORT: String(port),
            LOG_LEVEL: process.env.BENCH_LOG_LEVEL || "warn",
            // Every call is counted, as in production, against a limit no sender reaches: the
            // bench measures capacity, not a sender's quota (the floor has no limiter).
            RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? UNREACHED_LIMIT,
            ACCOUNT_RATE_LIMIT_PER_MINUTE:
              process.env.ACCOUNT_RATE_LIMIT_PER_MINUTE ?? UNREACHED_LIMIT,
            // The bench's connections all come from one address, which the per-client cap on
            // body reads is there to stop: off, to measure capacity.
            MAX_BODY_READS_PER_CLIENT: process.env.MAX_BODY_READS_PER_CLIENT ?? "0",
            // A restart (see settle) should not wait long for requests nobody waits for.
            SHUTDOWN_TIMEOUT_MS: process.env.SHUTDOWN_TIMEOUT_MS ?? "3000",
          },
          port,
          readyPath: "/readyz",
          timeoutMs: 30_000,
          logFile: join(resultsDir, `${stamp}-service.log`),
        });
        return inspectPort ? { ...server, inspectPort } : server;
      },
      cleanup,
    ),
  };
  cleanup.add("stop the load", stopActiveLoads);

  const templates = payloadTemplates();
  const [firing] = templates;
  if (!firing) throw new Error("the payload mix is empty");
  const scenarios: Scenario[] = [
    {
      name: MIX,
      templates,
      connections: settings.connections,
      timeoutSeconds: MIX_TIMEOUT_S,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
    },
    {
      name: CYCLE,
      templates: cycleTemplates(),
      connections: settings.cycleConnections,
      timeoutSeconds: MIX_TIMEOUT_S,
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
    },
    ...settings.large.map((large) => ({
      name: large.name,
      templates: largeTemplates(large.bytes, large.dense),
      connections: [settings.largeConnections],
      timeoutSeconds: LARGE_TIMEOUT_S,
      seconds: settings.largeSeconds,
      warmupSeconds: settings.largeWarmupSeconds,
    })),
  ];
  const nextId = idSource(runTag);
  const total = scenarios.reduce(
    (sum, scenario) =>
      sum +
      scenario.connections.length *
        settings.targets.length *
        (scenario.seconds + scenario.warmupSeconds),
    0,
  );
  log(
    `database: ${database}; ${scenarios.map((scenario) => `${scenario.name}: ${scenario.connections.length} levels x ${settings.targets.length} targets x (${scenario.warmupSeconds} s warm-up + ${scenario.seconds} s)`).join("; ")} ~ ${Math.round(total)} s`,
  );
  for (const scenario of scenarios) {
    log(
      `payloads, ${scenario.name} (each connection rotates them): ${describeMix(scenario.templates)}`,
    );
  }

  // 4. Each scenario and level: the floor, then the service, each from a settled state (see
  // settle). The mix and the cycle first: their whole-run peak RSS is read before the large
  // bodies come.
  const results: LevelResult[] = [];
  const notes: string[] = [];
  const measuredWindows: Record<Target, MeasuredWindow[]> = { floor: [], service: [] };
  const pids = () => [runners.floor.child.pid, runners.service.child.pid, ...databaseWorkerPids()];
  let mixHwm: Record<Target, number> | undefined;
  await quiesce(pids(), { maxMs: DRAIN_MS });
  try {
    for (const scenario of scenarios) {
      if (isLarge(scenario.name)) {
        mixHwm ??= { floor: runners.floor.peakHwm(), service: runners.service.peakHwm() };
      }
      for (const connections of scenario.connections) {
        for (const target of (["floor", "service"] as const).filter((name) =>
          settings.targets.includes(name),
        )) {
          const child = runners[target].child;
          const load = {
            url: child.url,
            path: "/v1/process",
            connections,
            templates: scenario.templates,
            token,
            nextId,
            timeoutSeconds: scenario.timeoutSeconds,
          };
          results.push(
            await measure({
              scenario: scenario.name,
              seconds: scenario.seconds,
              warmupSeconds: scenario.warmupSeconds,
              child,
              target,
              load,
              databasePids,
              allocations: settings.allocations && target === "service",
              windows: measuredWindows[target],
              census: proxies[target],
            }),
          );
          if (await settle(runners[target], pids)) {
            const first =
              target === "service"
                ? await firstCall(runners.service.child, token, render(firing, nextId()))
                : "";
            notes.push(
              `${target} restarted after ${levelName(scenario.name, connections)}: it or the database was still busy ${SETTLE_MS / 1000} s after the clients stopped (requests they had given up on)${first}`,
            );
          }
        }
      }
    }
  } catch (error) {
    // Report what was measured; the exit code says the run is incomplete.
    process.exitCode = 1;
    const message = error instanceof Error ? error.message : String(error);
    notes.push(`the run stopped early: ${message.split("\n")[0]}`);
    log(`the run stopped early: ${message}`);
  }
  const peakHwm = {
    floor: runners.floor.peakHwm(),
    service: runners.service.peakHwm(),
  };
  mixHwm ??= peakHwm;

  await runners.service.child.stop();
  await runners.floor.child.stop();
  if (preload) preload.sweeps.after = await timeSweeps(mongoUri, serviceDb);

  // 5. Outgoing webhooks: ingest with one against none, and the dispatcher (webhooks.ts).
  let webhooks: WebhookBenchResult | undefined;
  if (settings.webhooks && process.exitCode !== 1) {
    try {
      webhooks = await benchWebhooks({
        uri: mongoUri,
        runTag,
        serviceLauncher,
        logFile: (name) => join(resultsDir, `${stamp}-${name.replace(/\W+/g, "-")}.log`),
        connections: settings.webhookConnections,
        seconds: settings.seconds,
        warmupSeconds: settings.warmupSeconds,
        deliveries: settings.deliveries,
        templates,
        nextId,
        otherPids: databasePids(),
        databasePids: databasePids(),
        commands: settings.commands,
        nodeArgs: settings.serviceNodeArgs,
        ...(settings.profile ? { profileDir: join(profileDir, "webhooks") } : {}),
        cleanup,
        log,
      });
    } catch (error) {
      process.exitCode = 1;
      const message = error instanceof Error ? error.message : String(error);
      notes.push(`the webhooks' part stopped early: ${message.split("\n")[0]}`);
      log(`the webhooks' part stopped early: ${message}`);
    }
  }

  // 6. The table, the ratios, the targets; the same as JSON.
  const ratioRows = ratios(results);
  const checks = checkTargets(results, { embedded, serviceMixPeakMiB: mixHwm.service });
  const profile = settings.profile
    ? summarizeProfiles(profileDir, measuredWindows.service)
    : undefined;

  const mix = describeMix(templates);
  const cycle = scenarios.find(
    (scenario) => scenario.name === CYCLE && scenario.connections.length,
  );
  const large = scenarios.filter((scenario) => isLarge(scenario.name));
  const output = [
    "",
    `sqibs bench: ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, database: ${database}`,
    `${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per target and level (large payloads: ${settings.largeWarmupSeconds} s + ${settings.largeSeconds} s); POST /v1/process; latencies of every response`,
    `payload mix, rotated 1:1:1 on every connection, every body unique: ${mix}`,
    ...(cycle
      ? [
          `cycle, in this order on every connection, a new alert group each time round, every body unique: ${describeMix(cycle.templates)}`,
        ]
      : []),
    ...large.map(
      (scenario) =>
        `large payloads, ${scenario.name}, rotated 1:1, every body unique, client timeout ${scenario.timeoutSeconds} s: ${describeMix(scenario.templates)}`,
    ),
    "",
    resultsTable(results),
    "",
    ratiosTable(ratioRows),
    "",
    `peak RSS over the payload mix${cycle ? " and the cycle" : ""} (VmHWM): floor ${mixHwm.floor.toFixed(0)} MiB, service ${mixHwm.service.toFixed(0)} MiB${large.length ? `; over the whole run with the large payloads: floor ${peakHwm.floor.toFixed(0)} MiB, service ${peakHwm.service.toFixed(0)} MiB` : ""}`,
    `service status codes: ${statusLine(results.filter((r) => r.target === "service"))}; floor: ${statusLine(results.filter((r) => r.target === "floor"))}`,
    ...notes.map((note) => `note: ${note}`),
    ...(preload
      ? [
          `preload (BENCH_OPEN_INCIDENTS): ${preloadLine(preload.stored)}`,
          `sweeps of expired deliveries, before the load: ${sweepLine(preload.sweeps.before)}`,
          ...(preload.sweeps.after
            ? [`sweeps of expired deliveries, after the load: ${sweepLine(preload.sweeps.after)}`]
            : []),
        ]
      : []),
    "",
    targetsTable(checks),
    ...(webhooks ? ["", ...webhookReport(webhooks)] : []),
  ];
  if (settings.commands) {
    for (const target of settings.targets) {
      output.push(
        "",
        `database commands per response, ${target} (BENCH_COMMANDS=1: counted by a proxy, so its latencies include it)`,
        "",
        commandsTable(results.filter((result) => result.target === target)),
      );
    }
  }
  const allocationLevels = measuredWindows.service.flatMap((entry): LevelAllocations[] =>
    entry.allocations
      ? [{ label: entry.label, responses: entry.responses, summary: entry.allocations }]
      : [],
  );
  if (allocationLevels.length) {
    output.push(
      "",
      "service JS heap allocations by layer, per level (BENCH_ALLOCATIONS=1: V8's sampling heap profiler, collected objects included; Buffer contents are off the JS heap, see the peaks)",
      "",
      allocationsTable(allocationLevels),
      ...allocationLevels.flatMap((level) => ["", allocatingFunctionsTable(level)]),
    );
  }
  if (profile) {
    output.push(
      "",
      `service CPU profile of the ${settings.connections.length ? "payload mix" : "large payloads"}, measured windows only (warm-ups and start-up left out): ${profile.mix.file}`,
      "",
      topTable(profile.mix),
      "",
      "service CPU by layer, main thread, per level (BENCH_PROFILE=1; see README.md for the layers)",
      "",
      layersTable(profile.levels),
    );
  }
  process.stdout.write(`${output.join("\n")}\n`);

  const file = join(resultsDir, `${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: stamp,
        node: process.version,
        cpus: cpus().length,
        database,
        settings,
        payloads: scenarios.flatMap((scenario) =>
          scenario.templates.map((template) => ({
            scenario: scenario.name,
            name: template.name,
            contentType: template.contentType,
            bytes: byteLength(template),
            serviceOutcome: template.serviceOutcome,
          })),
        ),
        mix: "rotated 1:1:1 on every connection; every body carries a unique id (groupKey / text)",
        results,
        ratios: ratioRows,
        peakHwmMiB: { mix: mixHwm, run: peakHwm },
        notes,
        ...(preload ? { preload } : {}),
        targets: checks,
        ...(webhooks ? { webhooks } : {}),
        ...(profile ? { profile: { mix: profile.mix, levels: profile.levels } } : {}),
        ...(allocationLevels.length ? { allocations: allocationLevels } : {}),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
}

function preloadLine({ incidents, seconds }: Preloaded): string {
  return `${incidents} open incidents stored (each with its open-incident claim and its opening delivery, expired) in ${seconds.toFixed(1)} s`;
}

function sweepLine({ deliveries, pass, all, again }: SweepTimes): string {
  const took = ({ seconds, deleted, failed }: Sweep) =>
    `${seconds.toFixed(2)} s, ${failed === undefined ? `${deleted} deleted` : `failed: ${failed}`}`;
  return `${deliveries} documents in deliveries; a sweeper pass (deleteExpired) ${took(pass)}; the hourly deleteAllExpired ${took(all)}; a pass again ${took(again)}`;
}

/** One set of payloads and its levels. */
interface Scenario {
  name: string;
  templates: PayloadTemplate[];
  connections: number[];
  timeoutSeconds: number;
  seconds: number;
  warmupSeconds: number;
}

/** The standard mix's client timeout, and the large payloads' (the service's own request timeout). */
const MIX_TIMEOUT_S = 10;
const LARGE_TIMEOUT_S = 30;

interface MeasuredWindow {
  scenario: string;
  label: string;
  window: Window;
  responses: number;
  allocations?: AllocationSummary;
}

interface Measurement {
  scenario: string;
  seconds: number;
  warmupSeconds: number;
  child: Server;
  target: Target;
  load: Omit<LoadOptions, "seconds">;
  databasePids: () => number[];
  /** BENCH_ALLOCATIONS=1: sample the service's allocations during the window. */
  allocations: boolean;
  /** Where the measured window is recorded (to select profile samples). */
  windows: MeasuredWindow[];
  census: CensusProxy | undefined;
}

async function measure({
  scenario,
  seconds,
  warmupSeconds,
  child,
  target,
  load,
  databasePids,
  allocations,
  windows,
  census,
}: Measurement): Promise<LevelResult> {
  const { connections } = load;
  // Large payloads: the peak since this level began, not since the service started.
  const rss = watchRss(child.pid, { exact: isLarge(scenario) });
  const logFrom = sizeOf(child.logFile);
  if (warmupSeconds > 0) await drive({ ...load, seconds: warmupSeconds });
  const sampling =
    allocations && child.inspectPort ? await watchAllocations(child.inspectPort) : undefined;
  const from = monotonicUs();
  const commandsBefore = census?.snapshot();
  const cpuBefore = cpuSecondsOf(child.pid);
  const dbCpuBefore = cpuSecondsOfEach(databasePids());
  const outcome = await drive({ ...load, seconds });
  const cpuAfter = cpuSecondsOf(child.pid);
  const commandsAfter = census?.snapshot();
  const to = monotonicUs();
  const allocated = await sampling?.stop().catch((error: unknown) => {
    log(`could not read the service's allocation profile: ${String(error)}`);
    return undefined;
  });
  windows.push({
    scenario,
    label: `${scenario === MIX ? "" : `${scenario}, `}${connections} conns`,
    window: [from, to],
    responses: outcome.responses,
    ...(allocated ? { allocations: allocated } : {}),
  });
  const dbCpuAfter = cpuSecondsOfEach(databasePids());
  const peakRssMiB = rss.stop();
  const perRequest = (seconds: number | null) =>
    seconds === null || outcome.responses === 0 ? Number.NaN : (seconds * 1000) / outcome.responses;
  const errors = outcome.non2xx + outcome.timeouts + outcome.otherErrors;
  const result: LevelResult = {
    scenario,
    connections,
    target,
    seconds: outcome.seconds,
    responses: outcome.responses,
    requestsPerSecond: outcome.seconds > 0 ? outcome.responses / outcome.seconds : 0,
    latencyMs: latencySummary(outcome.latenciesMs),
    errors,
    errorDetail: {
      non2xx: outcome.non2xx,
      timeouts: outcome.timeouts,
      otherErrors: outcome.otherErrors,
    },
    statusCodes: outcome.statusCodes,
    peakRssMiB,
    ...(commandsBefore && commandsAfter
      ? { commands: commandRows(censusDelta(commandsBefore, commandsAfter), outcome.responses) }
      : {}),
    cpuMsPerRequest: perRequest(
      cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    ),
    dbCpuMsPerRequest:
      dbCpuAfter.size > 0 ? perRequest(cpuSecondsBetween(dbCpuBefore, dbCpuAfter)) : null,
  };
  log(
    `${levelName(scenario, connections)}, ${target.padEnd(7)}: ${result.requestsPerSecond.toFixed(1)} req/s, p99 ${result.latencyMs.p99.toFixed(1)} ms, ${errors} errors, peak RSS ${peakRssMiB.toFixed(0)} MiB`,
  );
  if (errors > 0) logFailures(child, logFrom);
  return result;
}

/** What the target logged as failed since the level began (warm-up included), the commonest first. */
function logFailures(child: Server, from: number): void {
  const failures = failuresIn(readSince(child.logFile, from)).slice(0, SHOWN_FAILURES);
  for (const { count, message, at } of failures) {
    log(`    logged ${count}x: ${message}${at ? ` at ${at}` : ""}`);
  }
}

const SHOWN_FAILURES = 5;

/** "64 connections", "cycle at 64 connections", "1 MB bodies at 64 connections". */
function levelName(scenario: string, connections: number): string {
  const of = scenario === MIX ? "" : `${scenario}${isLarge(scenario) ? " bodies" : ""} at `;
  return `${of}${connections} connections`;
}

function describeMix(templates: PayloadTemplate[]): string {
  return templates
    .map(
      (template) =>
        `${template.name} (${template.contentType.split(";")[0]}, ${byteLength(template)} B: ${template.serviceOutcome})`,
    )
    .join("; ");
}

function statusLine(results: LevelResult[]): string {
  const totals: Record<string, number> = {};
  for (const result of results) {
    for (const [code, count] of Object.entries(result.statusCodes)) {
      totals[code] = (totals[code] ?? 0) + count;
    }
  }
  return (
    Object.entries(totals)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, count]) => `${code}: ${count}`)
      .join(", ") || "none"
  );
}

/**
 * Every .cpuprofile the service wrote (one per process: a restart starts a new one): the mix's
 * measured windows together, and each level's window by layer.
 */
function summarizeProfiles(
  dir: string,
  windows: MeasuredWindow[],
): { mix: ProfileSummary; levels: LevelProfile[] } | undefined {
  try {
    const files = readdirSync(dir)
      .filter((name) => name.endsWith(".cpuprofile"))
      .map((name) => join(dir, name));
    if (!files.length) {
      log(`no .cpuprofile was written in ${dir}`);
      return undefined;
    }
    const profiles = loadProfiles(files);
    const mixWindows = windows.filter((entry) => entry.scenario === MIX);
    // Without the mix (BENCH_CONNECTIONS=none), the top table is the large payloads'.
    const topWindows = mixWindows.length ? mixWindows : windows;
    return {
      mix: summarizeProfile(
        profiles,
        topWindows.map((entry) => entry.window),
      ),
      levels: windows.map((entry) => ({
        label: entry.label,
        responses: entry.responses,
        summary: summarizeProfile(profiles, [entry.window]),
      })),
    };
  } catch (error) {
    log(`could not read the CPU profile: ${String(error)}`);
    return undefined;
  }
}

/** The clock of V8's profile timestamps (see profile.ts). */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface Runner {
  child: Server;
  /** Stops the child (SIGTERM; it writes its CPU profile) and starts a fresh one. */
  restart(whileStopped: () => Promise<void>): Promise<void>;
  /** The highest VmHWM of every process this runner started. */
  peakHwm(): number;
}

async function runner(
  name: Target,
  start: () => Promise<Server>,
  cleanup: Cleanup,
): Promise<Runner> {
  let hwm = 0;
  const record = (child: Server) => {
    hwm = Math.max(hwm, memoryOf(child.pid)?.hwmMiB ?? 0);
  };
  /**
   * A start that does not get ready is tried again: on a loaded machine a child's first
   * connection to the database can time out, and (see the service's notes in README.md) the
   * service does not always recover from that by itself.
   */
  const startReady = async (): Promise<Server> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await start();
      } catch (error) {
        if (attempt === START_ATTEMPTS) throw error;
        log(`the ${name} did not get ready (attempt ${attempt}); starting it again`);
      }
    }
  };
  const handle: Runner = {
    child: await startReady(),
    async restart(whileStopped) {
      record(handle.child);
      log(`restarting the ${name}`);
      await handle.child.stop();
      await whileStopped();
      handle.child = await startReady();
    },
    peakHwm() {
      record(handle.child);
      return hwm;
    },
  };
  cleanup.add(`stop the ${name}`, () => handle.child.stop());
  return handle;
}

const START_ATTEMPTS = 3;

/**
 * A restarted service numbers incidents from the highest number stored (read once per account),
 * and FerretDB answers that sorted read by reading every incident of the account: the first
 * call that opens an incident after a restart waits for it. Made before the next level, so the
 * level measures the service running, and reported, because it is a cost of its own.
 */
async function firstCall(child: Server, token: string, payload: Payload): Promise<string> {
  const started = performance.now();
  try {
    const response = await fetch(`${child.url}/v1/process`, {
      method: "POST",
      headers: { "content-type": payload.contentType, authorization: `Bearer ${token}` },
      body: payload.body,
      signal: AbortSignal.timeout(FIRST_CALL_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return `; its first call after the restart (${payload.name}) took ${seconds} s (${response.status})`;
  } catch (error) {
    return `; its first call after the restart failed: ${String(error)}`;
  }
}

const FIRST_CALL_TIMEOUT_MS = 300_000;

/** How long a target and the database may stay busy after a measurement. */
const SETTLE_MS = 3_000;
/** How long to wait for the database to drain after a restart. */
const DRAIN_MS = 30_000;

/**
 * After each measurement: the next one must not pay for this one. A target that fell behind
 * keeps working on requests whose clients have timed out, and keeps the database busy; if
 * the children and the database are not idle within SETTLE_MS, the target just measured is
 * restarted (its work dropped) and the database gets up to DRAIN_MS to finish. True if so.
 */
async function settle(measured: Runner, pids: () => number[]): Promise<boolean> {
  if ((await quiesce(pids(), { maxMs: SETTLE_MS })).idle) return false;
  const drain = async () => {
    // The database finishes what the stopped child had sent before the new one starts.
    const drained = await quiesce(pids(), { maxMs: DRAIN_MS });
    if (!drained.idle) log(`still busy after ${drained.waitedMs} ms; going on`);
  };
  await measured.restart(drain);
  await drain();
  return true;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
