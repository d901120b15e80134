import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startFerretDB } from "./ferretdb.js";
import { uniqueDatabaseName } from "./vitest.js";

/** A child process a test (or the bench) started, and what it said. */
export interface Child {
  process: ChildProcess;
  pid: number;
  /** What it wrote to stdout and stderr so far (the tail), from memory or from its log file. */
  output(): string;
  /** Its stdout alone, and its stderr alone (kept in memory; empty with a log file). */
  stdout(): string;
  stderr(): string;
  /** Resolves when it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL (a crash); resolves once it has exited. */
  kill(): Promise<void>;
}

export interface StartChildOptions {
  /** The whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended to this file (else kept in memory). */
  logFile?: string;
  /** How many characters of output are kept in memory (without a log file). */
  keep?: number;
}

const DEFAULT_KEEP = 1_000_000;
const TAIL = 4_000;

/** Starts `command args`, with its output in memory or in a log file. */
export function startChild(
  command: string,
  args: string[],
  options: StartChildOptions = {},
): Child {
  const log = options.logFile === undefined ? undefined : openSync(options.logFile, "a");
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ["ignore", log ?? "pipe", log ?? "pipe"],
  });
  if (log !== undefined) closeSync(log);
  const keep = options.keep ?? DEFAULT_KEEP;
  const captured = { all: "", stdout: "", stderr: "" };
  const capture = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    captured.all = (captured.all + text).slice(-keep);
    captured[stream] = (captured[stream] + text).slice(-keep);
  };
  child.stdout?.on("data", capture("stdout"));
  child.stderr?.on("data", capture("stderr"));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const output = () => {
    if (options.logFile === undefined) return captured.all;
    try {
      return readFileSync(options.logFile, "utf8");
    } catch {
      return "";
    }
  };
  return {
    process: child,
    pid: child.pid ?? 0,
    output,
    stdout: () => captured.stdout,
    stderr: () => captured.stderr,
    exited,
    running,
    stop: async (graceMs = 5_000) => {
      if (!running()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (!running()) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs` naming
 * `what` (for waits that are about no child process: a receiver, a database state).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value; fails (with the end of the child's output) when the
 * child exits first or `timeoutMs` passes, and then kills the child.
 */
export async function waitForChild<T>(
  child: Child,
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running()) {
      const { code, signal } = await child.exited;
      throw new Error(`exited (${code ?? signal}) before ${what}:\n${child.output().slice(-TAIL)}`);
    }
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`no ${what} within ${timeoutMs} ms:\n${child.output().slice(-TAIL)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Waits until the child's output matches `pattern` (e.g. its "listening on" line). */
export function waitForOutput(
  child: Child,
  pattern: RegExp,
  options: WaitOptions = {},
): Promise<RegExpExecArray> {
  return waitForChild(
    child,
    `output matching ${pattern}`,
    () => pattern.exec(child.output()) ?? undefined,
    {
      intervalMs: 20,
      ...options,
    },
  );
}

/** Waits until GET `url` answers one of `statuses` (200 by default). */
export function waitForHttp(
  child: Child,
  url: string,
  options: WaitOptions & { statuses?: number[] } = {},
): Promise<number> {
  const statuses = options.statuses ?? [200];
  return waitForChild(
    child,
    `answer ${statuses.join(" or ")} from ${url}`,
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) }).catch(
        () => undefined,
      );
      await response?.body?.cancel();
      return response && statuses.includes(response.status) ? response.status : undefined;
    },
    options,
  );
}

/** Whether a process with this id is running (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to its end; resolves with its stdout (stderr passes through), or fails. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(" ")} exited with ${code}`)),
    );
  });
}

/** The database of a live run: a throwaway FerretDB in `dir`, or MONGODB_URI unchanged. */
export async function throwawayDatabase(
  dir: string,
): Promise<{ uri: string; stop(): Promise<void> }> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, stop: async () => {} };
  const database = await startFerretDB({ dataDir: dir });
  return { uri: database.uri, stop: () => database.stop() };
}

/**
 * The built service, started by its launcher (services/intake/bin/sqibs-intake, as an operator
 * starts it), on a free port, once /readyz answers 200.
 */
export async function startBuiltService(options: {
  launcher: string;
  uri: string;
  dbName: string;
  logFile: string;
  env?: Record<string, string>;
}): Promise<Child & { url: string }> {
  const port = await freePort();
  const service = startChild(options.launcher, [], {
    logFile: options.logFile,
    env: {
      ...process.env,
      MONGODB_URI: options.uri,
      MONGODB_DB: options.dbName,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(service, `${url}/readyz`, { timeoutMs: 60_000, intervalMs: 200 });
  return { ...service, url };
}

/**
 * A live run's world: a scratch folder, a throwaway database (throwawayDatabase), a database of
 * the run's own in it set up by `seed`, and the built service on that (startBuiltService, its
 * log in the scratch folder). stop() ends them in the reverse order and removes the folder
 * unless it is to be kept.
 */
export async function startSeededService<Seed extends { close(): Promise<void> }>(options: {
  /** Names the scratch folder and the database. */
  name: string;
  launcher: string;
  seed(uri: string, dbName: string): Promise<Seed>;
  env?: Record<string, string>;
}): Promise<{
  scratch: string;
  seed: Seed;
  service: Child & { url: string };
  stop(keepScratch?: boolean): Promise<void>;
}> {
  const scratch = mkdtempSync(join(tmpdir(), `sqibs-${options.name}-`));
  const database = await throwawayDatabase(join(scratch, "db"));
  const dbName = uniqueDatabaseName(options.name);
  const seed = await options.seed(database.uri, dbName);
  const service = await startBuiltService({
    launcher: options.launcher,
    uri: database.uri,
    dbName,
    logFile: join(scratch, "service.log"),
    ...(options.env ? { env: options.env } : {}),
  });
  return {
    scratch,
    seed,
    service,
    stop: async (keepScratch = false) => {
      await service.stop();
      await seed.close();
      await database.stop();
      if (!keepScratch) rmSync(scratch, { recursive: true, force: true });
    },
  };
}
