import { BSON } from "mongodb";
import { describe, expect, it } from "vitest";
import { bodyOf, censusDelta, commandOf, commandRows } from "../src/census.js";

/** An OP_MSG as the driver sends it: header, flags, a document sequence, then the body. */
function opMsg(body: object, requestId = 7): Buffer {
  const bodyBytes = Buffer.from(BSON.serialize(body));
  const sequenceDoc = Buffer.from(BSON.serialize({ a: 1 }));
  const identifier = Buffer.from("documents\0");
  const sequenceSize = 4 + identifier.length + sequenceDoc.length;
  const sequence = Buffer.alloc(1 + sequenceSize);
  sequence[0] = 1;
  sequence.writeInt32LE(sequenceSize, 1);
  identifier.copy(sequence, 5);
  sequenceDoc.copy(sequence, 5 + identifier.length);
  const header = Buffer.alloc(20);
  const length = 20 + sequence.length + 1 + bodyBytes.length;
  header.writeInt32LE(length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  header.writeUInt32LE(0, 16);
  return Buffer.concat([header, sequence, Buffer.from([0]), bodyBytes]);
}

describe("wire census", () => {
  it("reads the command and collection of an OP_MSG", () => {
    const body = bodyOf(opMsg({ insert: "incidents", ordered: true, $db: "bench" }));
    expect(body).not.toBeNull();
    expect(commandOf(body ?? Buffer.alloc(0))).toEqual({ name: "insert", collection: "incidents" });
    const ping = bodyOf(opMsg({ ping: 1, $db: "admin" }));
    expect(commandOf(ping ?? Buffer.alloc(0))).toEqual({ name: "ping", collection: "" });
  });

  it("counts per response between two snapshots", () => {
    const before = new Map([["insert x", { count: 2, totalMs: 4, errors: 0 }]]);
    const after = new Map([
      ["insert x", { count: 12, totalMs: 34, errors: 5 }],
      ["find y", { count: 10, totalMs: 10, errors: 0 }],
    ]);
    const rows = commandRows(censusDelta(before, after), 5);
    expect(rows).toEqual([
      { command: "insert x", perRequest: 2, avgMs: 3, errorsPerRequest: 1 },
      { command: "find y", perRequest: 2, avgMs: 1, errorsPerRequest: 0 },
    ]);
  });
});
