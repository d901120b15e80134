#!/usr/bin/env node
/**
 * pnpm bench: the service against the floor, side by side, on one database. See README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startFerretDB } from "@sqibs/testing";
import { MongoClient } from "mongodb";
import { type CensusProxy, censusDelta, commandRows, startCensusProxy } from "./census.js";
import { configureService } from "./configure.js";
import { drive, idSource, type LoadOptions, stopActiveLoads } from "./load.js";
import { byteLength, type PayloadTemplate, payloadTemplates } from "./payloads.js";
import {
  Cleanup,
  cpuSecondsOf,
  memoryOf,
  quiesce,
  type Server,
  startServer,
  watchRss,
} from "./processes.js";
import { summarizeProfile, topTable, type Window } from "./profile.js";
import {
  checkTargets,
  commandsTable,
  type LevelResult,
  latencySummary,
  ratios,
  ratiosTable,
  resultsTable,
  type Target,
  targetsTable,
} from "./report.js";
import { benchWebhooks, type WebhookBenchResult, webhookReport } from "./webhooks.js";

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "..", "results");
const serviceScript = join(
  dirname(createRequire(import.meta.url).resolve("@sqibs/intake")),
  "server.js",
);
const floorScript = join(here, "floor.js");
const UNREACHED_LIMIT = "1000000000";

interface Settings {
  seconds: number;
  warmupSeconds: number;
  connections: number[];
  targets: Target[];
  profile: boolean;
  commands: boolean;
  /** Extra `node` flags for the service (e.g. `--trace-gc`, which NODE_OPTIONS refuses). */
  serviceNodeArgs: string[];
  /** The outgoing webhooks' part (webhooks.ts): off with BENCH_WEBHOOKS=0. */
  webhooks: boolean;
  webhookConnections: number[];
  deliveries: number;
}

function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number) => {
    const value = env[name] === undefined || env[name] === "" ? fallback : Number(env[name]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
    return value;
  };
  const levels = (name: string, fallback: string) => {
    const values = (env[name] || fallback).split(",").map((text) => Number(text.trim()));
    if (values.some((value) => !Number.isInteger(value) || value < 1)) {
      throw new Error(`${name} must be a comma-separated list of positive integers`);
    }
    return values;
  };
  const connections = levels("BENCH_CONNECTIONS", "1,16,64,256");
  const targets = (env.BENCH_TARGETS || "floor,service").split(",").map((text) => text.trim());
  if (!targets.every((target): target is Target => target === "floor" || target === "service")) {
    throw new Error("BENCH_TARGETS must list floor and/or service");
  }
  return {
    targets,
    seconds: number("BENCH_SECONDS", 10),
    warmupSeconds: number("BENCH_WARMUP_SECONDS", 3),
    connections,
    profile: env.BENCH_PROFILE === "1" || env.BENCH_PROFILE === "true",
    commands: env.BENCH_COMMANDS === "1" || env.BENCH_COMMANDS === "true",
    serviceNodeArgs: (env.BENCH_SERVICE_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
    webhooks: env.BENCH_WEBHOOKS !== "0" && env.BENCH_WEBHOOKS !== "false",
    webhookConnections: levels("BENCH_WEBHOOK_CONNECTIONS", "16,64"),
    deliveries: number("BENCH_DELIVERIES", 2000),
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
  let databasePid: number | undefined;
  if (!uri) {
    const dataDir = mkdtempSync(join(tmpdir(), "sqibs-bench-"));
    cleanup.add("remove the FerretDB data directory", () =>
      rmSync(dataDir, { recursive: true, force: true }),
    );
    log("starting a throwaway FerretDB");
    const ferret = await startFerretDB({ dataDir });
    cleanup.add("stop FerretDB", () => ferret.stop());
    uri = ferret.uri;
    databasePid = ferret.pid;
    database = "throwaway FerretDB (SQLite backend)";
  }
  const serviceDb = `bench_${runTag}`;
  const floorDb = `bench_floor_${runTag}`;
  const mongoUri = uri;
  if (databasePid === undefined) {
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
  const token = (await configureService(uri, serviceDb)).globalSecret;

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
        return startServer({
          name: "service",
          script: serviceScript,
          nodeArgs: [
            ...settings.serviceNodeArgs,
            ...(settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
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
      },
      cleanup,
    ),
  };
  cleanup.add("stop the load", stopActiveLoads);

  const templates = payloadTemplates();
  const nextId = idSource(runTag);
  const total = settings.connections.length * 2 * (settings.seconds + settings.warmupSeconds);
  log(
    `database: ${database}; ${settings.connections.length} levels x 2 targets x (${settings.warmupSeconds} s warm-up + ${settings.seconds} s) ~ ${Math.round(total)} s`,
  );
  log(`payload mix (each connection rotates 1:1:1): ${describeMix(templates)}`);

  // 4. Each level: the floor, then the service, each from a settled state (see settle).
  const results: LevelResult[] = [];
  const notes: string[] = [];
  const measuredWindows: Record<Target, Window[]> = { floor: [], service: [] };
  const pids = () => [
    runners.floor.child.pid,
    runners.service.child.pid,
    ...(databasePid ? [databasePid] : []),
  ];
  await quiesce(pids(), { maxMs: DRAIN_MS });
  try {
    for (const connections of settings.connections) {
      for (const target of (["floor", "service"] as const).filter((name) =>
        settings.targets.includes(name),
      )) {
        const child = runners[target].child;
        const load = { url: child.url, path: "/v1/process", connections, templates, token, nextId };
        results.push(
          await measure({
            child,
            target,
            load,
            settings,
            databasePid,
            windows: measuredWindows[target],
            census: proxies[target],
          }),
        );
        if (await settle(runners[target], pids)) {
          notes.push(
            `${target} restarted after ${connections} connections: it or the database was still busy ${SETTLE_MS / 1000} s after the clients stopped (requests they had given up on)`,
          );
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

  await runners.service.child.stop();
  await runners.floor.child.stop();

  // 5. Outgoing webhooks: ingest with one against none, and the dispatcher (webhooks.ts).
  let webhooks: WebhookBenchResult | undefined;
  if (settings.webhooks && process.exitCode !== 1) {
    try {
      webhooks = await benchWebhooks({
        uri: mongoUri,
        runTag,
        serviceScript,
        logFile: (name) => join(resultsDir, `${stamp}-${name.replace(/\W+/g, "-")}.log`),
        connections: settings.webhookConnections,
        seconds: settings.seconds,
        warmupSeconds: settings.warmupSeconds,
        deliveries: settings.deliveries,
        templates,
        nextId,
        otherPids: databasePid ? [databasePid] : [],
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
  const checks = checkTargets(results);
  const profile = settings.profile
    ? summarizeProfiles(profileDir, measuredWindows.service)
    : undefined;

  const mix = describeMix(templates);
  const output = [
    "",
    `sqibs bench: ${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, database: ${database}`,
    `${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per target and level; POST /v1/process; latencies of every response`,
    `payload mix, rotated 1:1:1 on every connection, every body unique: ${mix}`,
    "",
    resultsTable(results),
    "",
    ratiosTable(ratioRows),
    "",
    `peak RSS over the whole run (VmHWM): floor ${peakHwm.floor.toFixed(0)} MiB, service ${peakHwm.service.toFixed(0)} MiB`,
    `service status codes: ${statusLine(results.filter((r) => r.target === "service"))}; floor: ${statusLine(results.filter((r) => r.target === "floor"))}`,
    ...notes.map((note) => `note: ${note}`),
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
  if (profile) {
    output.push(
      "",
      `service CPU profile, measured windows only (warm-ups and start-up left out): ${profile.file}`,
      "",
      topTable(profile),
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
        payloads: templates.map((template) => ({
          name: template.name,
          contentType: template.contentType,
          bytes: byteLength(template),
          serviceOutcome: template.serviceOutcome,
        })),
        mix: "rotated 1:1:1 on every connection; every body carries a unique id (groupKey / text)",
        results,
        ratios: ratioRows,
        peakHwmMiB: peakHwm,
        notes,
        targets: checks,
        ...(webhooks ? { webhooks } : {}),
        ...(profile ? { profile } : {}),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file}`);
}

interface Measurement {
  child: Server;
  target: Target;
  load: Omit<LoadOptions, "seconds">;
  settings: Settings;
  databasePid: number | undefined;
  /** Where the measured window is recorded (to select profile samples). */
  windows: Window[];
  census: CensusProxy | undefined;
}

async function measure({
  child,
  target,
  load,
  settings,
  databasePid,
  windows,
  census,
}: Measurement): Promise<LevelResult> {
  const { connections } = load;
  const rss = watchRss(child.pid);
  if (settings.warmupSeconds > 0) await drive({ ...load, seconds: settings.warmupSeconds });
  const from = monotonicUs();
  const commandsBefore = census?.snapshot();
  const cpuBefore = cpuSecondsOf(child.pid);
  const dbCpuBefore = databasePid ? cpuSecondsOf(databasePid) : null;
  const outcome = await drive({ ...load, seconds: settings.seconds });
  const cpuAfter = cpuSecondsOf(child.pid);
  const commandsAfter = census?.snapshot();
  windows.push([from, monotonicUs()]);
  const dbCpuAfter = databasePid ? cpuSecondsOf(databasePid) : null;
  const peakRssMiB = rss.stop();
  const perRequest = (before: number | null, after: number | null) =>
    before === null || after === null || outcome.responses === 0
      ? Number.NaN
      : ((after - before) * 1000) / outcome.responses;
  const errors = outcome.non2xx + outcome.timeouts + outcome.otherErrors;
  const result: LevelResult = {
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
    cpuMsPerRequest: perRequest(cpuBefore, cpuAfter),
    dbCpuMsPerRequest: databasePid ? perRequest(dbCpuBefore, dbCpuAfter) : null,
  };
  log(
    `${String(connections).padStart(3)} connections, ${target.padEnd(7)}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.latencyMs.p99.toFixed(1)} ms, ${errors} errors, peak RSS ${peakRssMiB.toFixed(0)} MiB`,
  );
  return result;
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

/** Every .cpuprofile the service wrote (one per process: a restart starts a new one). */
function summarizeProfiles(dir: string, windows: Window[]) {
  try {
    const files = readdirSync(dir)
      .filter((name) => name.endsWith(".cpuprofile"))
      .map((name) => join(dir, name));
    if (!files.length) {
      log(`no .cpuprofile was written in ${dir}`);
      return undefined;
    }
    return summarizeProfile(files, windows);
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
