import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

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
