/**
 * The outgoing webhooks' part of `pnpm bench` (issue 13): what one subscribed webhook costs
 * ingest (the outbox writes before the answer, the dispatcher sends meanwhile), and how many
 * deliveries per second the dispatcher gets through, with one and two instances.
 */
import { join } from "node:path";
import { freePort, type Receiver, startReceiver, waitFor } from "@sqibs/testing";
import { type CensusProxy, censusDelta, commandRows, startCensusProxy } from "./census.js";
import { type Configured, configureService } from "./configure.js";
import { drive, type LoadOptions, type LoadOutcome } from "./load.js";
import type { PayloadTemplate } from "./payloads.js";
import { type Cleanup, cpuSecondsOf, quiesce, type Server, startServer } from "./processes.js";
import { type CommandRow, textTable } from "./report.js";

export interface WebhookBenchOptions {
  uri: string;
  runTag: string;
  serviceLauncher: string;
  logFile: (name: string) => string;
  connections: number[];
  seconds: number;
  warmupSeconds: number;
  /** How many queued deliveries the dispatcher measurement sends. */
  deliveries: number;
  templates: PayloadTemplate[];
  nextId: () => string;
  /** Pids besides the services' whose CPU must settle between measurements (the database). */
  otherPids: number[];
  /** The database's processes, when the bench started them: their CPU per request is reported. */
  databasePids: number[];
  /** BENCH_COMMANDS=1: count each ingest service's database commands (census.ts). */
  commands: boolean;
  /** BENCH_SERVICE_NODE_ARGS: node flags for both services. */
  nodeArgs: string[];
  /** BENCH_PROFILE=1: each service's `--cpu-prof` directory (whole run) under this one. */
  profileDir?: string;
  cleanup: Cleanup;
  log: (message: string) => void;
}

export interface IngestComparison {
  connections: number;
  withoutRps: number;
  withRps: number;
  /** with ÷ without (the target: at least 0.8 at 64 connections). */
  ratio: number;
  withoutErrors: number;
  withErrors: number;
  /** Deliveries the receiver got during the measured window with the webhook. */
  deliveredDuringWindow: number;
  /** That window's length. */
  withSeconds: number;
  /**
   * Incidents opened (201s: one delivery each, warm-ups included) that the receiver had not
   * got when the window ended: whether the dispatcher kept up with what ingest stored, or
   * left it for later (a higher ratio bought by delivering late would show here).
   */
  queuedAtEnd: number;
  /** Seconds after the window until the receiver had every delivery (null: not in CATCH_UP_MS). */
  caughtUpSeconds: number | null;
  /** CPU time per response in the window: the service's, the database's (when known), the bench's (load and receiver). */
  cpuMsPerRequest: { without: CpuPerRequest; with: CpuPerRequest };
  /** With BENCH_COMMANDS: each service's database commands in the window, per second. */
  commandsPerSecond?: { without: CommandRow[]; with: CommandRow[] };
}

export interface CpuPerRequest {
  service: number;
  database: number | null;
  bench: number;
}

export interface DispatchRun {
  instances: number;
  webhooks: number;
  deliveries: number;
  seconds: number;
  perSecond: number;
}

export interface WebhookBenchResult {
  ingest: IngestComparison[];
  dispatch: DispatchRun[];
}

const RATIO_GOAL = 0.8;
const GOAL_CONNECTIONS = 64;
/** How long the bench waits after a window with the webhook for its deliveries to arrive. */
const CATCH_UP_MS = 120_000;

function slugOf(name: string): string {
  return name.replace(/\W+/g, "-");
}

/** A service as the bench runs it, sending webhooks to this process's receiver. */
function webhookEnv(uri: string, dbName: string, port: number, extra: NodeJS.ProcessEnv = {}) {
  return {
    ...process.env,
    HOST: "127.0.0.1",
    PORT: String(port),
    MONGODB_URI: uri,
    MONGODB_DB: dbName,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || "warn",
    RATE_LIMIT_PER_MINUTE: "0",
    ACCOUNT_RATE_LIMIT_PER_MINUTE: "0",
    SHUTDOWN_TIMEOUT_MS: "3000",
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8",
    ...extra,
  };
}

export async function benchWebhooks(options: WebhookBenchOptions): Promise<WebhookBenchResult> {
  let received = 0;
  const receiver: Receiver = await startReceiver((_request, response) => {
    received += 1;
    response.writeHead(204).end();
  });
  options.cleanup.add("close the webhook receiver", () => receiver.close());
  const target = `${receiver.origin}/bench`;

  const start = async (name: string, dbName: string, census?: CensusProxy) => {
    const port = await freePort();
    const server = await startServer({
      name,
      launcher: options.serviceLauncher,
      nodeArgs: [
        ...options.nodeArgs,
        ...(options.profileDir
          ? ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, slugOf(name))}`]
          : []),
      ],
      env: webhookEnv(census?.uri ?? options.uri, dbName, port),
      port,
      readyPath: "/readyz",
      timeoutMs: 30_000,
      logFile: options.logFile(name),
    });
    options.cleanup.add(`stop ${name}`, () => server.stop());
    return server;
  };

  // 1. Ingest without a webhook and with one subscribed to incident.triggered, back to back.
  const plainDb = `bench_plain_${options.runTag}`;
  const hookedDb = `bench_hooked_${options.runTag}`;
  const plain = await configureService(options.uri, plainDb);
  const hooked = await configureService(options.uri, hookedDb, { webhooks: [target] });
  const census = async (name: string) => {
    if (!options.commands) return undefined;
    const proxy = await startCensusProxy(options.uri);
    options.cleanup.add(`close the command proxy of the ${name}`, () => proxy.close());
    return proxy;
  };
  const proxies = {
    without: await census("service without webhooks"),
    with: await census("service with a webhook"),
  };
  const services = {
    without: await start("service without webhooks", plainDb, proxies.without),
    with: await start("service with a webhook", hookedDb, proxies.with),
  };
  const pids = () => [services.without.pid, services.with.pid, ...options.otherPids];
  const cpuNow = (servicePid: number) => {
    const usage = process.cpuUsage();
    return {
      service: cpuSecondsOf(servicePid),
      database: options.databasePids.length > 0 ? sumCpuSeconds(options.databasePids) : null,
      bench: (usage.user + usage.system) / 1e6,
    };
  };
  const ingest: IngestComparison[] = [];
  /** Incidents the service with the webhook opened (each one delivery), warm-ups included. */
  let opened = 0;
  const receivedBefore = received;
  for (const connections of options.connections) {
    const run = async (server: Server, configured: Configured, proxy?: CensusProxy) => {
      const load: Omit<LoadOptions, "seconds"> = {
        url: server.url,
        path: "/v1/process",
        connections,
        templates: options.templates,
        token: configured.globalSecret,
        nextId: options.nextId,
      };
      await quiesce(pids(), { maxMs: 30_000 });
      const hooked = server === services.with;
      const openings = (outcome: LoadOutcome) => (hooked ? (outcome.statusCodes["201"] ?? 0) : 0);
      if (options.warmupSeconds > 0) {
        opened += openings(await drive({ ...load, seconds: options.warmupSeconds }));
      }
      const before = received;
      const commandsBefore = proxy?.snapshot();
      const cpuBefore = cpuNow(server.pid);
      const outcome = await drive({ ...load, seconds: options.seconds });
      const cpuAfter = cpuNow(server.pid);
      const commandsAfter = proxy?.snapshot();
      opened += openings(outcome);
      const delivered = received - before;
      const queuedAtEnd = hooked ? Math.max(0, opened - (received - receivedBefore)) : 0;
      const endedAt = performance.now();
      const caughtUp =
        queuedAtEnd === 0 || (await caughtUpWithin(() => received - receivedBefore >= opened))
          ? (performance.now() - endedAt) / 1000
          : null;
      const perRequest = (from: number | null, to: number | null) =>
        from === null || to === null || outcome.responses === 0
          ? Number.NaN
          : ((to - from) * 1000) / outcome.responses;
      return {
        cpu: {
          service: perRequest(cpuBefore.service, cpuAfter.service),
          database:
            options.databasePids.length > 0
              ? perRequest(cpuBefore.database, cpuAfter.database)
              : null,
          bench: perRequest(cpuBefore.bench, cpuAfter.bench),
        },
        rps: outcome.seconds > 0 ? outcome.responses / outcome.seconds : 0,
        errors: outcome.non2xx + outcome.timeouts + outcome.otherErrors,
        delivered,
        seconds: outcome.seconds,
        queuedAtEnd,
        caughtUpSeconds: caughtUp,
        commands:
          commandsBefore && commandsAfter
            ? commandRows(censusDelta(commandsBefore, commandsAfter), outcome.seconds)
            : [],
      };
    };
    const without = await run(services.without, plain, proxies.without);
    const withHook = await run(services.with, hooked, proxies.with);
    const comparison: IngestComparison = {
      connections,
      withoutRps: without.rps,
      withRps: withHook.rps,
      ratio: without.rps > 0 ? withHook.rps / without.rps : 0,
      withoutErrors: without.errors,
      withErrors: withHook.errors,
      deliveredDuringWindow: withHook.delivered,
      withSeconds: withHook.seconds,
      queuedAtEnd: withHook.queuedAtEnd,
      caughtUpSeconds: withHook.caughtUpSeconds,
      cpuMsPerRequest: { without: without.cpu, with: withHook.cpu },
      ...(options.commands
        ? { commandsPerSecond: { without: without.commands, with: withHook.commands } }
        : {}),
    };
    ingest.push(comparison);
    options.log(
      `${String(connections).padStart(3)} connections: ${without.rps.toFixed(0)} req/s without a webhook, ${withHook.rps.toFixed(0)} with one (${comparison.ratio.toFixed(2)}); ${withHook.delivered} delivered meanwhile, ${withHook.queuedAtEnd} left at the end, all delivered ${catchUpText(withHook.caughtUpSeconds)}`,
    );
  }
  await services.without.stop();
  await services.with.stop();

  // 2. The dispatcher alone: N deliveries queued while no service runs, then one (or two)
  // instances started on them; timed until the receiver has them all.
  const dispatch: DispatchRun[] = [];
  for (const [instances, webhooks] of [
    [1, 1],
    [2, 1],
    [1, 8],
  ] as const) {
    const dbName = `bench_dispatch_${instances}x${webhooks}_${options.runTag}`;
    const configured = await configureService(options.uri, dbName, {
      webhooks: Array.from({ length: webhooks }, (_, index) => `${target}/${index}`),
      queued: options.deliveries,
    });
    options.log(
      `dispatcher: ${options.deliveries} deliveries queued for ${webhooks} webhook(s); starting ${instances} instance(s)`,
    );
    const before = received;
    const started = performance.now();
    const servers: Server[] = [];
    for (let index = 0; index < instances; index += 1) {
      servers.push(await start(`dispatcher ${index + 1} of ${instances}`, dbName));
    }
    await waitFor(
      `${options.deliveries} deliveries`,
      () => (received - before >= options.deliveries ? true : undefined),
      600_000,
      100,
    );
    const seconds = (performance.now() - started) / 1000;
    const run: DispatchRun = {
      instances,
      webhooks,
      deliveries: configured.queued,
      seconds,
      perSecond: configured.queued / seconds,
    };
    dispatch.push(run);
    options.log(
      `dispatcher: ${run.deliveries} deliveries in ${seconds.toFixed(1)} s with ${instances} instance(s) and ${webhooks} webhook(s): ${run.perSecond.toFixed(0)}/s`,
    );
    for (const server of servers) await server.stop();
  }
  return { ingest, dispatch };
}

/** The two tables and the goal's line. */
export function webhookReport(result: WebhookBenchResult): string[] {
  const ingest = textTable(
    [
      "conns",
      "without req/s",
      "with req/s",
      "with/without",
      "errors",
      "delivered meanwhile",
      "left at the end",
      "all delivered",
      "cpu ms/req service",
      "db",
      "bench",
    ],
    result.ingest.map((row) => {
      const cpu = (pick: (usage: CpuPerRequest) => number | null) => {
        const values = [row.cpuMsPerRequest.without, row.cpuMsPerRequest.with].map(pick);
        return values.map((value) => (value === null ? "-" : value.toFixed(2))).join(" / ");
      };
      return [
        String(row.connections),
        row.withoutRps.toFixed(0),
        row.withRps.toFixed(0),
        row.ratio.toFixed(2),
        `${row.withoutErrors} / ${row.withErrors}`,
        String(row.deliveredDuringWindow),
        String(row.queuedAtEnd),
        catchUpText(row.caughtUpSeconds),
        cpu((usage) => usage.service),
        cpu((usage) => usage.database),
        cpu((usage) => usage.bench),
      ];
    }),
    1,
  );
  const dispatch = textTable(
    ["instances", "webhooks", "deliveries", "seconds", "deliveries/s"],
    result.dispatch.map((run) => [
      String(run.instances),
      String(run.webhooks),
      String(run.deliveries),
      run.seconds.toFixed(1),
      run.perSecond.toFixed(0),
    ]),
    2,
  );
  const goal = result.ingest.find((row) => row.connections === GOAL_CONNECTIONS);
  const commands = result.ingest.flatMap((row) =>
    row.commandsPerSecond ? ["", commandsPerSecondTable(row)] : [],
  );
  return [
    "outgoing webhooks: POST /v1/process without a webhook and with one subscribed to incident.triggered (a local receiver answering 204; the dispatcher sends while the load runs)",
    "",
    ingest,
    "",
    goal
      ? `with/without at ${GOAL_CONNECTIONS} connections: ${goal.ratio.toFixed(2)} (goal: at least ${RATIO_GOAL}) ${goal.ratio >= RATIO_GOAL ? "met" : "NOT met"}`
      : `with/without: not measured at ${GOAL_CONNECTIONS} connections`,
    ...commands,
    "",
    "the dispatcher: deliveries queued while no instance ran, then sent to a local receiver (4 in flight per webhook and instance)",
    "",
    dispatch,
  ];
}

/**
 * BENCH_COMMANDS=1: each command per second of the window without and with the webhook, and
 * per delivery made meanwhile (what the dispatcher and the outbox add).
 */
export function commandsPerSecondTable(row: IngestComparison): string {
  const counted = row.commandsPerSecond ?? { without: [], with: [] };
  const names = [...new Set([...counted.with, ...counted.without].map((item) => item.command))];
  const rate = (rows: CommandRow[], name: string) =>
    rows.find((item) => item.command === name)?.perRequest ?? 0;
  const perDelivery = (perSecond: number) =>
    row.deliveredDuringWindow > 0
      ? ((perSecond * row.withSeconds) / row.deliveredDuringWindow).toFixed(3)
      : "-";
  const lines = names
    .map((name) => ({ name, without: rate(counted.without, name), with: rate(counted.with, name) }))
    .sort((a, b) => b.with - a.with);
  const sum = (key: "without" | "with") => lines.reduce((total, line) => total + line[key], 0);
  return textTable(
    [`${row.connections} conns: command`, "without /s", "with /s", "with per delivery"],
    [
      ...lines.map((line) => [
        line.name,
        line.without.toFixed(1),
        line.with.toFixed(1),
        line.name.includes(" webhook_") ? perDelivery(line.with) : "",
      ]),
      ["all", sum("without").toFixed(1), sum("with").toFixed(1), ""],
    ],
    1,
  );
}

/** Waits (up to CATCH_UP_MS) until `done`; whether it came. */
async function caughtUpWithin(done: () => boolean): Promise<boolean> {
  try {
    await waitFor("every delivery", () => (done() ? true : undefined), CATCH_UP_MS, 100);
    return true;
  } catch {
    return false;
  }
}

function catchUpText(seconds: number | null): string {
  return seconds === null ? `not in ${CATCH_UP_MS / 1000} s` : `${seconds.toFixed(1)} s after`;
}

function sumCpuSeconds(pids: number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const seconds = cpuSecondsOf(pid);
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}
