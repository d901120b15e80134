import { type ChildProcess, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { freePort, uniqueDatabaseName } from "@sqibs/testing";
import { openDatabase } from "../../src/repositories/database.js";
import { createRepositories, ensureIndexes } from "../../src/repositories/index.js";
import { type BootstrapResult, bootstrapAccount } from "../../src/usecases/bootstrap.js";

/** The built service (services/intake/turbo.json makes `test` depend on this package's build). */
export const SERVER_JS = fileURLToPath(new URL("../../dist/server.js", import.meta.url));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChildService {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The real service as a child process (`node dist/server.js`), as an operator runs it.
 * Resolves once it listens and /readyz answers 200 (the database answers and the indexes
 * exist), as an orchestrator waits before it sends traffic.
 */
export async function spawnService(
  env: Record<string, string>,
  port?: number,
): Promise<ChildService> {
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [SERVER_JS], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(listenPort),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 15_000;
  while (!output.includes("listening on http://")) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the service exited before listening:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the service did not listen within 15 s:\n${output}`);
    }
    await sleep(20);
  }
  const url = `http://127.0.0.1:${listenPort}`;
  while ((await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the service was not ready within 15 s:\n${output}`);
    }
    await sleep(20);
  }
  return {
    url,
    port: listenPort,
    child,
    output: () => output,
    exited,
  };
}

export async function killService(service: ChildService | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill("SIGKILL");
  await service.exited;
}

/** A database of its own with one bootstrapped account, for a child service to use. */
export async function seedDatabase(
  uri: string,
  suite: string,
): Promise<{
  dbName: string;
  account: BootstrapResult;
  repositories: ReturnType<typeof createRepositories>;
  close(): Promise<void>;
}> {
  const dbName = uniqueDatabaseName(suite);
  const database = openDatabase({ uri, dbName, timeoutMs: 5_000 });
  const repositories = createRepositories(database);
  await ensureIndexes(repositories);
  const account = await bootstrapAccount(
    { repositories, clock: () => new Date() },
    { accountName: suite, language: "en" },
  );
  return {
    dbName,
    account,
    repositories,
    close: async () => {
      await database.db.dropDatabase().catch(() => {});
      await database.close();
    },
  };
}

/** A raw TCP connection to the service, for what fetch cannot do (trickling, holding). */
export interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server closes the connection (or it errors). */
  closed: Promise<void>;
  write(data: string | Buffer): void;
}

export async function rawConnection(url: string): Promise<RawConnection> {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.on("error", () => {});
  });
  return {
    socket,
    received: () => received,
    closed,
    write: (data) => {
      if (!socket.destroyed) socket.write(data);
    },
  };
}

/** Writes one byte every `everyMs` until the connection closes; returns a stop function. */
export function trickle(connection: RawConnection, byte: string, everyMs: number): () => void {
  const timer = setInterval(() => connection.write(byte), everyMs);
  void connection.closed.then(() => clearInterval(timer));
  return () => clearInterval(timer);
}

/** Status code and body of a raw HTTP/1.1 answer. */
export function parseRawResponse(raw: string): {
  status: number;
  headers: string;
  body: string;
} {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, headers: head, body: end < 0 ? "" : raw.slice(end + 4) };
}

/**
 * A TCP proxy that can go silent: `freeze()` keeps every connection open but forwards
 * nothing (a network partition, where a refused connection would be a clean outage).
 */
export async function startFreezableProxy(targetUri: string): Promise<{
  uri: string;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}> {
  const { createServer } = await import("node:net");
  const target = new URL(targetUri);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 27017), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const uri = new URL(targetUri);
  uri.hostname = "127.0.0.1";
  uri.port = String(port);
  return {
    uri: uri.toString(),
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      // Connections that lost bytes while frozen are useless: drop them.
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
