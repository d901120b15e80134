/** Child processes (the floor and the service), their readiness, RSS, and the run's clean-up. */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { type Child, startChild, waitForHttp } from "@sqibs/testing";

/** A server the bench started (the floor or the service), ready to take load. */
export interface Server extends Child {
  name: string;
  url: string;
  /** Its inspector's port, when it runs with `--inspect` (BENCH_ALLOCATIONS=1). */
  inspectPort?: number;
  /** Where its stdout and stderr go. */
  logFile: string;
}

/**
 * How a server starts: a `script` run by this node (the floor), or a `launcher`, an executable
 * that takes node flags and starts node itself (the service's, as an operator starts it).
 */
export type ServerCommand =
  | { script: string; launcher?: never }
  | { launcher: string; script?: never };

export type StartServerOptions = ServerCommand & {
  name: string;
  nodeArgs?: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  /** The child's stdout and stderr go here (its log lines, the profiler's messages). */
  logFile: string;
  timeoutMs?: number;
};

/** Starts `node <script>` (or the launcher) and waits until GET readyPath answers 200. */
export async function startServer(options: StartServerOptions): Promise<Server> {
  const nodeArgs = options.nodeArgs ?? [];
  const [file, args] =
    options.script === undefined
      ? [options.launcher, nodeArgs]
      : [process.execPath, [...nodeArgs, options.script]];
  const child = startChild(file, args, {
    env: options.env,
    logFile: options.logFile,
  });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(child, `${url}${options.readyPath}`, {
      timeoutMs: options.timeoutMs ?? 30_000,
      intervalMs: 250,
    });
  } catch (error) {
    throw new Error(`${options.name}: ${(error as Error).message}`);
  }
  // SIGTERM lets the service write its CPU profile: give it time before SIGKILL.
  return {
    ...child,
    name: options.name,
    url,
    logFile: options.logFile,
    stop: () => child.stop(10_000),
  };
}

/** VmRSS and VmHWM of a process in MiB (Linux /proc), or null where /proc is not there. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1]);
    return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far (Linux /proc), or null. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime + stime) ? (utime + stime) / CLOCK_TICKS : null;
  } catch {
    return null;
  }
}

/** CPU seconds of each process (those /proc no longer shows are left out). */
export function cpuSecondsOfEach(pids: number[]): Map<number, number> {
  const each = new Map<number, number>();
  for (const pid of pids) {
    const seconds = cpuSecondsOf(pid);
    if (seconds !== null) each.set(pid, seconds);
  }
  return each;
}

/**
 * CPU seconds the processes used between two readings; one that appeared in between counts
 * whole, one that exited in between is lost (PostgreSQL's backends live as long as FerretDB's
 * connections, so this is rare).
 */
export function cpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** The direct children of a process (Linux /proc), e.g. PostgreSQL's backends. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // It exited meanwhile.
    }
  }
  return children;
}

/**
 * Whether a PostgreSQL process is a backend serving a client of `database` (its title reads
 * `postgres: <user> <database> <client> <state>`), not a chore such as the checkpointer or
 * autovacuum, which go on for seconds after a burst of writes.
 */
export function servesDatabase(pid: number, database: string): boolean {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    return title.startsWith("postgres: ") && title.split(" ")[2] === database;
  } catch {
    return false;
  }
}

/**
 * Resets the process's VmHWM to its current RSS (Linux: `5` into /proc/<pid>/clear_refs), so
 * the next reading is the peak since now. False where that is not allowed.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** USER_HZ: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;

/**
 * Waits until the processes are (nearly) idle: below `busyFraction` of one core, together,
 * over a `windowMs` window; at most `maxMs`. A target that fell behind keeps working on the
 * requests its clients gave up on; the next measurement must not pay for that.
 */
export async function quiesce(
  pids: number[],
  options: { busyFraction?: number; windowMs?: number; maxMs?: number } = {},
): Promise<{ waitedMs: number; idle: boolean }> {
  const busyFraction = options.busyFraction ?? 0.05;
  const windowMs = options.windowMs ?? 500;
  const started = Date.now();
  const total = () => pids.reduce((sum, pid) => sum + (cpuSecondsOf(pid) ?? 0), 0);
  for (;;) {
    const before = total();
    await sleep(windowMs);
    const used = total() - before;
    if (used <= (busyFraction * windowMs) / 1000)
      return { waitedMs: Date.now() - started, idle: true };
    if (Date.now() - started > (options.maxMs ?? 60_000)) {
      return { waitedMs: Date.now() - started, idle: false };
    }
  }
}

/**
 * Polls VmRSS every 100 ms until stopped; returns the peak seen. With `exact`, VmHWM is reset
 * first and read at the end too, so a peak between two polls is not missed.
 */
export function watchRss(
  pid: number,
  { intervalMs = 100, exact = false } = {},
): { stop(): number } {
  const reset = exact && resetPeakRss(pid);
  let peak = memoryOf(pid)?.rssMiB ?? 0;
  const timer = setInterval(() => {
    const rss = memoryOf(pid)?.rssMiB;
    if (rss !== undefined && rss > peak) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const memory = memoryOf(pid);
      const last = Math.max(memory?.rssMiB ?? 0, reset ? (memory?.hwmMiB ?? 0) : 0);
      return Math.max(peak, last);
    },
  };
}

/**
 * Clean-up steps run once, last registered first: on success, on an error, and on Ctrl-C or
 * SIGTERM, so no database or child process is left behind.
 */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  private running: Promise<void> | undefined;

  add(name: string, run: () => Promise<void> | void) {
    this.steps.push({ name, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          process.stderr.write(`bench: clean-up '${step.name}' failed: ${String(error)}\n`);
        }
      }
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit 130/143. */
  onSignals() {
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      process.once(signal, () => {
        process.stderr.write(`\nbench: ${signal}, stopping the children and the database\n`);
        this.run().finally(() => process.exit(code));
      });
    }
  }
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
