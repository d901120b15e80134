/** Child processes (the floor and the service), their readiness, RSS, and the run's clean-up. */
import { readFileSync } from "node:fs";
import { type Child, startChild, waitForHttp } from "@sqibs/testing";

/** A server the bench started (the floor or the service), ready to take load. */
export interface Server extends Child {
  name: string;
  url: string;
}

export interface StartServerOptions {
  name: string;
  script: string;
  nodeArgs?: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  /** The child's stdout and stderr go here (its log lines, the profiler's messages). */
  logFile: string;
  timeoutMs?: number;
}

/** Starts `node <script>` and waits until GET readyPath answers 200. */
export async function startServer(options: StartServerOptions): Promise<Server> {
  const child = startChild(process.execPath, [...(options.nodeArgs ?? []), options.script], {
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
  return { ...child, name: options.name, url, stop: () => child.stop(10_000) };
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

/** Polls VmRSS every 100 ms until stopped; returns the peak seen. */
export function watchRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = memoryOf(pid)?.rssMiB ?? 0;
  const timer = setInterval(() => {
    const rss = memoryOf(pid)?.rssMiB;
    if (rss !== undefined && rss > peak) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const rss = memoryOf(pid)?.rssMiB;
      if (rss !== undefined && rss > peak) peak = rss;
      return peak;
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
