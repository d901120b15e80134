import { closeSync, openSync, readSync, statSync } from "node:fs";

/** One kind of failure the service logged: its message (ids left out) and where it came from. */
export interface LoggedFailure {
  count: number;
  message: string;
  /** The innermost frame of the service's own code (`file:line (function)`), if any. */
  at?: string;
}

const MESSAGE_CHARS = 200;

/**
 * The service's warnings and errors with an error attached, in its JSON log lines, grouped by
 * message and the service's innermost frame, the most frequent first: which statement failed
 * (e.g. which write found the database locked) when a level answered with errors.
 */
export function failuresIn(log: string): LoggedFailure[] {
  const groups = new Map<string, LoggedFailure>();
  for (const line of log.split("\n")) {
    const entry = parsed(line);
    const err = entry?.err;
    if (!err || typeof err.message !== "string") continue;
    const message = err.message.replace(/[0-9a-f]{24,}/g, "…").slice(0, MESSAGE_CHARS);
    const at = serviceFrame(typeof err.stack === "string" ? err.stack : "");
    const key = `${message}\n${at ?? ""}`;
    const group = groups.get(key) ?? { count: 0, message, ...(at ? { at } : {}) };
    group.count += 1;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function parsed(line: string): { err?: { message?: unknown; stack?: unknown } } | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** `repositories/rate-limits.js:13 (add)` from `at async add (file:///…/dist/repositories/rate-limits.js:13:33)`. */
function serviceFrame(stack: string): string | undefined {
  for (const line of stack.split("\n")) {
    const frame = /at (?:async )?(?:(\S+) \()?\S*\/services\/intake\/dist\/([^:]+):(\d+):\d+/.exec(
      line,
    );
    if (frame) return `${frame[2]}:${frame[3]}${frame[1] ? ` (${frame[1]})` : ""}`;
  }
  return undefined;
}

/** The size of a file now (0 when it is not there). */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** What was appended to a file since it had `from` bytes. */
export function readSince(path: string, from: number): string {
  const length = sizeOf(path) - from;
  if (length <= 0) return "";
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buffer, 0, length, from);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8");
}
