import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ferretdb.js";
import { runCommand } from "./processes.js";

/** Debian's server package: its binaries land in /usr/lib/postgresql/<major>/bin. */
export const POSTGRESQL_PACKAGE = "postgresql";
const DEBIAN_ROOT = "/usr/lib/postgresql";

export interface RunningPostgreSQL {
  /** For FerretDB's `--postgresql-url`: the `ferretdb` database, user `postgres`, no password. */
  url: string;
  /** The postmaster; its children are the server's other processes. */
  pid: number;
  stop(): Promise<void>;
}

export interface StartPostgreSQLOptions {
  port?: number;
  timeoutMs?: number;
  /** Install Debian's package when no server is found (needs root and apt-get). Default true. */
  install?: boolean;
}

/** The newest installed server's bin directory (Debian layout), or null. */
export function findPostgreSQL(root = DEBIAN_ROOT): string | null {
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] === undefined ? null : join(root, versions[0], "bin");
}

/** The server's bin directory; installs Debian's package first when there is none. */
export async function ensurePostgreSQL(install = true): Promise<string> {
  const found = findPostgreSQL();
  if (found) return found;
  if (!install || process.getuid?.() !== 0) {
    throw new Error(
      `no PostgreSQL server in ${DEBIAN_ROOT}: install Debian's '${POSTGRESQL_PACKAGE}' package (as root: apt-get install -y ${POSTGRESQL_PACKAGE})`,
    );
  }
  process.stderr.write(`postgresql: installing Debian's '${POSTGRESQL_PACKAGE}' package\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const aptInstall = () =>
    runCommand("apt-get", ["install", "-y", "--no-install-recommends", POSTGRESQL_PACKAGE], {
      env,
    });
  try {
    await aptInstall();
  } catch {
    // Stale package lists: refresh them once.
    await runCommand("apt-get", ["update"], { env });
    await aptInstall();
  }
  const installed = findPostgreSQL();
  if (!installed) throw new Error(`apt-get installed ${POSTGRESQL_PACKAGE} but no server binary`);
  return installed;
}

/**
 * A throwaway cluster: initdb into a fresh temporary directory, the server on a free loopback
 * port (its socket in that directory too), a `ferretdb` database; stop() shuts it down and
 * removes the directory. As root, everything runs as the `postgres` user (the server refuses
 * to run as root). The server keeps its defaults (fsync, synchronous commit): a benchmark of
 * durable writes must not be measured against a database that does not make them durable.
 */
export async function startPostgreSQL(
  options: StartPostgreSQLOptions = {},
): Promise<RunningPostgreSQL> {
  const bin = await ensurePostgreSQL(options.install ?? true);
  const owner = process.getuid?.() === 0 ? userIds("postgres") : undefined;
  const dir = mkdtempSync(join(tmpdir(), "sqibs-postgresql-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let server: ChildProcess | undefined;
  try {
    const data = join(dir, "data");
    await runCommand(
      join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { ...(owner ?? {}), env: { ...process.env, LC_ALL: "C" } },
    );
    const port = options.port ?? (await freePort());
    server = spawn(
      join(bin, "postgres"),
      ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
      {
        ...(owner ?? {}),
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, LC_ALL: "C" },
      },
    );
    const log: string[] = [];
    server.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString("utf8")));
    const running = server;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    await waitForServer(bin, port, options.timeoutMs ?? 30_000, running, log);
    await runCommand(join(bin, "psql"), [...connection(port), "-c", "CREATE DATABASE ferretdb"]);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/ferretdb`,
      pid: running.pid ?? 0,
      stop: async () => {
        if (running.exitCode === null && running.signalCode === null) {
          // SIGINT: PostgreSQL's fast shutdown (ends sessions, checkpoints, exits).
          running.kill("SIGINT");
          const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(timer);
        }
        remove();
      },
    };
  } catch (error) {
    server?.kill("SIGKILL");
    remove();
    throw error;
  }
}

function connection(port: number): string[] {
  return ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-q"];
}

async function waitForServer(
  bin: string,
  port: number,
  timeoutMs: number,
  server: ChildProcess,
  log: string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`PostgreSQL exited before it accepted connections: ${log.join("").trim()}`);
    }
    try {
      execFileSync(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-q"]);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`PostgreSQL did not accept connections on port ${port} within ${timeoutMs} ms`);
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`no '${name}' user: the PostgreSQL package creates it`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}
