import type { ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import {
  freePort,
  startChild,
  uniqueDatabaseName,
  waitForHttp,
  waitForOutput,
} from "@sqibs/testing";
import { serviceLauncher } from "../../src/launcher.js";
import { type SeededDatabase, seedDatabase as seedAccountDatabase } from "../../src/seed.js";

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChildService {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (a crash); resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * The real service as a child process, started by its launcher as an operator runs it.
 * Resolves once it listens and /readyz answers 200 (the database answers and the indexes
 * exist), as an orchestrator waits before it sends traffic.
 */
export async function spawnService(
  env: Record<string, string>,
  port?: number,
): Promise<ChildService> {
  const listenPort = port ?? (await freePort());
  // The built service (services/intake/turbo.json makes `test` depend on this package's build).
  const started = startChild(serviceLauncher, [], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(listenPort),
      LOG_LEVEL: "warn",
      ...env,
    },
  });
  const url = `http://127.0.0.1:${listenPort}`;
  await waitForOutput(started, /listening on http:\/\//, { timeoutMs: 15_000 });
  await waitForHttp(started, `${url}/readyz`, { timeoutMs: 15_000, intervalMs: 20 });
  return {
    url,
    port: listenPort,
    child: started.process,
    output: started.output,
    exited: started.exited,
    kill: started.kill,
  };
}

export async function killService(service: ChildService | undefined): Promise<void> {
  await service?.kill();
}

/** A database of its own with one bootstrapped account, for a child service to use. */
export async function seedDatabase(
  uri: string,
  suite: string,
): Promise<SeededDatabase & { dbName: string }> {
  const dbName = uniqueDatabaseName(suite);
  const seeded = await seedAccountDatabase({
    uri,
    dbName,
    account: { accountName: suite, language: "en" },
  });
  return { dbName, ...seeded };
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

/** `localAddress`: the client address to connect from (any of 127.0.0.0/8 on loopback). */
export async function rawConnection(
  url: string,
  options: { localAddress?: string } = {},
): Promise<RawConnection> {
  const { port, hostname } = new URL(url);
  const socket = connect({ port: Number(port), host: hostname, ...options });
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
