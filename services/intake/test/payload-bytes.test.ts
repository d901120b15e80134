import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { compressedIfSmaller, decodedBytes } from "../src/repositories/payload-bytes.js";

describe("payloads stored apart: compressed when that halves them", () => {
  const alerts = Buffer.from(
    JSON.stringify({
      alerts: Array.from({ length: 2_000 }, (_, i) => ({ status: "firing", instance: `n-${i}` })),
    }),
  );

  it("compresses a payload that halves, and reads it back byte for byte", () => {
    const stored = compressedIfSmaller(alerts);
    expect(stored.encoding).toBe("br");
    expect(stored.bytes.byteLength).toBeLessThan(alerts.byteLength / 2);
    expect(Buffer.from(decodedBytes(stored)).equals(alerts)).toBe(true);
  });

  it("keeps dense bytes as received (random base64 compresses to about 3/4)", () => {
    const dense = Buffer.from(randomBytes(150_000).toString("base64"));
    const stored = compressedIfSmaller(dense);
    expect(stored.encoding).toBeUndefined();
    expect(stored.bytes).toBe(dense);
    expect(decodedBytes(stored)).toBe(dense);
  });

  it("judges a large body on its first 64 KiB: a dense start is stored as received", () => {
    const body = Buffer.concat([randomBytes(64 * 1024), Buffer.alloc(512 * 1024, "a")]);
    expect(compressedIfSmaller(body)).toEqual({ bytes: body });
  });
});
