import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { freePort, startFerretDB } from "./ferretdb.js";

// Child processes of the live test set-ups (the service, Prism): started with their output in
// a log file, waited for until they answer, and stopped without leaving anything behind.

export interface Running {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a child process with its output in a log file; stop() leaves nothing behind. */
export function startProcess(command: string, args: string[], logFile: string, env = {}): Running {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}

/** Polls until the URL answers with one of the statuses, or the process exits. */
export async function waitFor(url: string, running: Running, statuses = [200], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null)
      throw new Error(`${url}: the process exited (${running.child.exitCode})`);
    try {
      const response = await fetch(url);
      if (statuses.includes(response.status)) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
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

/** The built service (its server script) on a free port, once /readyz answers 200. */
export async function startBuiltService(options: {
  serverScript: string;
  uri: string;
  dbName: string;
  logFile: string;
  env?: Record<string, string>;
}): Promise<Running & { url: string }> {
  const port = await freePort();
  const service = startProcess(process.execPath, [options.serverScript], options.logFile, {
    MONGODB_URI: options.uri,
    MONGODB_DB: options.dbName,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...options.env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/readyz`, service);
  return { ...service, url };
}
