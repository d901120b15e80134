import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openDatabase, serviceLauncher } from "@sqibs/intake";
import { startChild, waitForOutput } from "@sqibs/testing";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { inject } from "vitest";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface RunningService {
  url: string;
  mongodbUri: string;
  dbName: string;
  stop(): Promise<void>;
}

/**
 * The real service (started by its launcher) on an ephemeral port, on a database of its own,
 * with `env` on top of the defaults.
 */
export async function startService(
  suite: string,
  env: Record<string, string> = {},
): Promise<RunningService> {
  const mongodbUri = inject("mongodbUri");
  const dbName = uniqueDatabaseName(suite);
  const child = startChild(serviceLauncher, [], {
    env: {
      ...process.env,
      MONGODB_URI: mongodbUri,
      MONGODB_DB: dbName,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "silent",
      // Generous: a busy machine's FerretDB can be slow, and a 503 would fail a test for nothing.
      DB_TIMEOUT_MS: "10000",
      ...env,
    },
  });
  const [, url = ""] = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  return {
    url,
    mongodbUri,
    dbName,
    async stop() {
      await child.stop();
      const database = openDatabase({ uri: mongodbUri, dbName, timeoutMs: 5_000 });
      await database.db.dropDatabase().catch(() => {});
      await database.close();
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `sqibs` binary as a user would, with its own environment and stdin. */
export function sqibs(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string | Buffer } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    for (const name of [
      "SQIBS_URL",
      "SQIBS_TOKEN",
      "SQIBS_WEBHOOK_SECRET",
      "MONGODB_URI",
      "MONGODB_DB",
    ])
      delete env[name];
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value !== undefined) env[name] = value;
    }
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Runs `sqibs … --json` and parses its output; fails with the CLI's stderr otherwise. */
export async function sqibsJson<T>(
  args: string[],
  options: Parameters<typeof sqibs>[1] = {},
): Promise<T> {
  const run = await sqibs([...args, "--json"], options);
  if (run.code !== 0)
    throw new Error(`sqibs ${args.join(" ")} failed (${run.code}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
