/**
 * BENCH_COMMANDS=1: a loopback proxy between a target and the database that reads the MongoDB
 * wire protocol (OP_MSG) going by and counts each command (name + collection), its
 * round-trip time and its write errors. Bytes are forwarded unchanged. It tells what a target
 * asks of the database per request, without touching the target's code.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { keepPair } from "@sqibs/testing";
import { BSON } from "mongodb";
import type { CommandRow } from "./report.js";

const OP_MSG = 2013;

export interface CommandStats {
  count: number;
  totalMs: number;
  /** writeErrors entries (e.g. duplicate keys) plus replies with ok: 0. */
  errors: number;
}

export type Census = Map<string, CommandStats>;

export interface CensusProxy {
  uri: string;
  snapshot(): Census;
  close(): Promise<void>;
}

interface Pending {
  key: string;
  started: number;
  write: boolean;
}

const WRITES = new Set(["insert", "update", "delete", "findAndModify"]);

/** Splits a byte stream into whole wire messages. */
class Framer {
  private buffered: Buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (message: Buffer) => void) {}
  push(chunk: Buffer) {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 4) {
      const length = this.buffered.readInt32LE(0);
      if (length < 16 || this.buffered.length < length) break;
      this.onMessage(this.buffered.subarray(0, length));
      this.buffered = this.buffered.subarray(length);
    }
  }
}

/** The OP_MSG body document (section kind 0), or null. */
export function bodyOf(message: Buffer): Buffer | null {
  if (message.readInt32LE(12) !== OP_MSG) return null;
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & 1 ? 4 : 0); // checksumPresent
  let at = 20;
  while (at < end) {
    const kind = message[at];
    if (kind === 0) {
      const size = message.readInt32LE(at + 1);
      return message.subarray(at + 1, at + 1 + size);
    }
    at += 1 + message.readInt32LE(at + 1); // kind 1: a document sequence, skipped
  }
  return null;
}

/** The first element's name (the command) and, when it is a string, its value (the collection). */
export function commandOf(body: Buffer): { name: string; collection: string } {
  const type = body[4];
  const nameEnd = body.indexOf(0, 5);
  const name = body.toString("utf8", 5, nameEnd);
  if (type !== 0x02) return { name, collection: "" };
  const length = body.readInt32LE(nameEnd + 1);
  return { name, collection: body.toString("utf8", nameEnd + 5, nameEnd + 5 + length - 1) };
}

function errorsIn(body: Buffer): number {
  try {
    const reply = BSON.deserialize(body, { promoteValues: true });
    const writeErrors = Array.isArray(reply.writeErrors) ? reply.writeErrors.length : 0;
    return writeErrors + (reply.ok === 1 ? 0 : 1);
  } catch {
    return 0;
  }
}

export async function startCensusProxy(targetUri: string): Promise<CensusProxy> {
  const target = new URL(targetUri);
  const census: Census = new Map();
  const sockets = new Set<Socket>();
  const record = (key: string, ms: number, errors: number) => {
    const stats = census.get(key) ?? { count: 0, totalMs: 0, errors: 0 };
    stats.count += 1;
    stats.totalMs += ms;
    stats.errors += errors;
    census.set(key, stats);
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 27017), target.hostname);
    const pending = new Map<number, Pending>();
    const requests = new Framer((message) => {
      const body = bodyOf(message);
      if (!body) return;
      const { name, collection } = commandOf(body);
      pending.set(message.readInt32LE(4), {
        key: collection ? `${name} ${collection}` : name,
        started: performance.now(),
        write: WRITES.has(name),
      });
    });
    const replies = new Framer((message) => {
      const request = pending.get(message.readInt32LE(8));
      if (!request) return;
      pending.delete(message.readInt32LE(8));
      const body = request.write ? bodyOf(message) : null;
      record(request.key, performance.now() - request.started, body ? errorsIn(body) : 0);
    });
    keepPair(client, upstream, sockets);
    client.on("data", (chunk: Buffer) => requests.push(chunk));
    upstream.on("data", (chunk: Buffer) => replies.push(chunk));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const uri = new URL(targetUri);
  uri.hostname = "127.0.0.1";
  uri.port = String(typeof address === "object" && address ? address.port : 0);
  return {
    uri: uri.toString(),
    snapshot: () => new Map([...census].map(([key, stats]) => [key, { ...stats }])),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** after − before. */
export function censusDelta(before: Census, after: Census): Census {
  const delta: Census = new Map();
  for (const [key, stats] of after) {
    const earlier = before.get(key) ?? { count: 0, totalMs: 0, errors: 0 };
    const count = stats.count - earlier.count;
    if (count > 0) {
      delta.set(key, {
        count,
        totalMs: stats.totalMs - earlier.totalMs,
        errors: stats.errors - earlier.errors,
      });
    }
  }
  return delta;
}

export function commandRows(census: Census, responses: number): CommandRow[] {
  return [...census]
    .map(([command, stats]) => ({
      command,
      perRequest: responses ? stats.count / responses : Number.NaN,
      avgMs: stats.totalMs / stats.count,
      errorsPerRequest: responses ? stats.errors / responses : Number.NaN,
    }))
    .sort((a, b) => b.perRequest * b.avgMs - a.perRequest * a.avgMs);
}
