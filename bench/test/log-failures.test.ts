import { describe, expect, it } from "vitest";
import { failuresIn } from "../src/log-failures.js";

const line = (level: number, message: string, frame: string) =>
  JSON.stringify({
    level,
    requestId: "req-1",
    err: {
      type: "MongoServerError",
      message,
      stack: `MongoServerError: ${message}\n    at Connection.onMessage (file:///x/node_modules/mongodb/lib/cmap/connection.js:1:1)\n    at ${frame}`,
    },
  });

describe("the failures in the service's log", () => {
  it("groups them by message and the service's innermost frame, the most frequent first", () => {
    const busy =
      "[collection.go:135 sqlite.(*collection).InsertAll.func1] database is locked (5) (SQLITE_BUSY)";
    const log = [
      "sqibs intake listening on http://127.0.0.1:1",
      line(
        40,
        busy,
        "async add (file:///w/services/intake/dist/repositories/rate-limits.js:13:33)",
      ),
      line(
        50,
        busy,
        "async add (file:///w/services/intake/dist/repositories/rate-limits.js:13:33)",
      ),
      line(
        40,
        `deleted 64b30762ac77a78d90cde972 ${busy}`,
        "async Object.deleteExpired (file:///w/services/intake/dist/repositories/deliveries.js:9:1)",
      ),
      JSON.stringify({ level: 30, msg: "request completed" }),
      "{not json",
    ].join("\n");
    expect(failuresIn(log)).toEqual([
      { count: 2, message: busy, at: "repositories/rate-limits.js:13 (add)" },
      {
        count: 1,
        message: `deleted … ${busy}`,
        at: "repositories/deliveries.js:9 (Object.deleteExpired)",
      },
    ]);
  });

  it("finds none in a log without errors", () => {
    expect(failuresIn('plain text\n{"level":30}\n')).toEqual([]);
  });
});
