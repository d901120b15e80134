import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MongoClient } from "mongodb";
import { runCommand } from "./processes.js";

export const FERRETDB_VERSION = "v1.24.2";
/** tools/ferretdb: a small Go module that runs FerretDB's embeddable package (see its main.go). */
const WRAPPER_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "tools",
  "ferretdb",
);

export interface RunningDatabase {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

/** What the wrapper's binary is built from: go.mod, go.sum and its Go files (tests left out). */
function wrapperSources(): string[] {
  const goFiles = readdirSync(WRAPPER_DIR, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".go") && !file.endsWith("_test.go"))
    .sort();
  return ["go.mod", "go.sum", ...goFiles];
}

/**
 * Per-user cache keyed by FerretDB's version and the wrapper's sources: fresh clones on one
 * machine share one build, and a new version (or wrapper change) builds a new one.
 */
export function ferretdbBinaryPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const sources = createHash("sha256");
  for (const file of wrapperSources()) {
    sources.update(file);
    sources.update(readFileSync(join(WRAPPER_DIR, file)));
  }
  const key = `ferretdb-${FERRETDB_VERSION}-${sources.digest("hex").slice(0, 12)}`;
  return join(cacheRoot, "sqibs", key, "ferretdb");
}

/** Builds FerretDB from its Go module once; later calls return the cached binary. */
export async function ensureFerretDB(): Promise<string> {
  const binary = ferretdbBinaryPath();
  if (existsSync(binary)) return binary;
  const dir = join(binary, "..");
  const staging = `${dir}.build-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  process.stderr.write(`devdb: building FerretDB ${FERRETDB_VERSION} once into ${dir}\n`);
  await runCommand("go", ["build", "-trimpath", "-o", join(staging, "ferretdb"), "."], {
    cwd: WRAPPER_DIR,
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
  });
  mkdirSync(dir, { recursive: true });
  // rename is atomic: a concurrent build loses the race harmlessly.
  renameSync(join(staging, "ferretdb"), binary);
  rmSync(staging, { recursive: true, force: true });
  return binary;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** Its pid file, and with the SQLite backend its databases. */
  dataDir: string;
  /**
   * A PostgreSQL connection string: FerretDB's `postgresql` backend (see postgresql.ts for a
   * throwaway server) instead of SQLite files in dataDir.
   */
  postgresqlUrl?: string;
  port?: number;
  /** Keep running after this process exits (for `pnpm start`); tests leave it attached. */
  detached?: boolean;
  timeoutMs?: number;
}

export async function startFerretDB(options: StartOptions): Promise<RunningDatabase> {
  const binary = await ensureFerretDB();
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(
    binary,
    [
      ...(options.postgresqlUrl
        ? ["--handler=postgresql", `--postgresql-url=${options.postgresqlUrl}`]
        : [`--sqlite-url=file:${options.dataDir}/`]),
      `--listen-addr=127.0.0.1:${port}`,
      "--log-level=error",
    ],
    {
      detached: options.detached ?? false,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DO_NOT_TRACK: "1" },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitForPing(uri, options.timeoutMs ?? 30_000, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  if (options.detached) child.unref();
  const pid = child.pid ?? 0;
  writeFileSync(pidFile(options.dataDir), `${pid} ${port}\n`);
  return {
    uri,
    pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(pidFile(options.dataDir), { force: true });
    },
  };
}

export function pidFile(dataDir: string): string {
  return join(dataDir, "ferretdb.pid");
}

/** The FerretDB a previous `start` left running in dataDir, if it still answers. */
export async function findRunning(dataDir: string): Promise<{ pid: number; uri: string } | null> {
  if (!existsSync(pidFile(dataDir))) return null;
  const [pidText, portText] = readFileSync(pidFile(dataDir), "utf8").trim().split(" ");
  const pid = Number(pidText);
  const uri = `mongodb://127.0.0.1:${portText}/`;
  if (!isAlive(pid)) return null;
  try {
    await waitForPing(uri, 2_000);
    return { pid, uri };
  } catch {
    return null;
  }
}

export async function stopByPidFile(dataDir: string): Promise<boolean> {
  if (!existsSync(pidFile(dataDir))) return false;
  const pid = Number(readFileSync(pidFile(dataDir), "utf8").trim().split(" ")[0]);
  rmSync(pidFile(dataDir), { force: true });
  if (!isAlive(pid)) return false;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 5_000 && isAlive(pid); waited += 50) await sleep(50);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  return true;
}

export async function waitForPing(uri: string, timeoutMs: number, child?: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`FerretDB exited with code ${child.exitCode} before answering a ping`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db("admin").command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await sleep(100);
    } finally {
      await client.close().catch(() => {});
    }
  }
  throw new Error(
    `database at ${uri} did not answer a ping within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
