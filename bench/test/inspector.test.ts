import { describe, expect, it } from "vitest";
import {
  allocatingFunctionsTable,
  allocationsByLayer,
  allocationsTable,
  type HeapProfile,
} from "../src/inspector.js";
import { LAYERS } from "../src/profile.js";

const at = (functionName: string, url: string) => ({
  functionName,
  url,
  lineNumber: 0,
  columnNumber: 0,
});

/** root → router → raw-body capture (toString) and → domain readPayload (decode). */
const profile: HeapProfile = {
  head: {
    callFrame: at("(root)", ""),
    selfSize: 0,
    children: [
      {
        callFrame: at("handle", "file:///w/node_modules/router/index.js"),
        selfSize: 1024,
        children: [
          {
            callFrame: at("captureRawBody", "file:///w/services/intake/dist/http/raw-body.js"),
            selfSize: 0,
            children: [{ callFrame: at("toString", "node:buffer"), selfSize: 4096 }],
          },
          {
            callFrame: at("readPayload", "file:///w/packages/domain/dist/payload.js"),
            selfSize: 2048,
            children: [{ callFrame: at("decode", "node:internal/encoding"), selfSize: 1024 }],
          },
        ],
      },
    ],
  },
};

describe("allocations by layer", () => {
  it("adds each node's bytes to the layer of its stack", () => {
    const summary = allocationsByLayer(profile);
    expect(summary.totalBytes).toBe(8192);
    expect(summary.layers).toEqual([
      { name: LAYERS.body, bytes: 4096, percent: 50 },
      { name: LAYERS.domain, bytes: 3072, percent: 37.5 },
      { name: LAYERS.express, bytes: 1024, percent: 12.5 },
    ]);
    expect(summary.functions[0]).toMatchObject({ name: "toString node:buffer:1 [body]" });
  });

  it("prints KB per request by layer and the memory peaks", () => {
    const level = {
      label: "64 conns",
      responses: 2,
      summary: {
        ...allocationsByLayer(profile),
        peaks: { heapUsedMiB: 40, externalMiB: 12.4, arrayBuffersMiB: 10 },
      },
    };
    const lines = allocationsTable([level]).split("\n");
    expect(lines[0]).toMatch(/^layer\s+64 conns: KB\/req\s+share$/);
    expect(lines).toContainEqual(expect.stringMatching(/^body capture .*\s2\.0\s+50\.0%$/));
    expect(lines).toContainEqual(expect.stringMatching(/^all \(JS heap\)\s+4\.0\s+100\.0%$/));
    expect(lines).toContainEqual(expect.stringMatching(/^peak JS heap used\s+40 MiB$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^peak Buffer contents \(arrayBuffers\)\s+10 MiB$/),
    );
    expect(allocatingFunctionsTable(level).split("\n")[2]).toMatch(
      /^toString node:buffer:1 \[body\]\s+2\.0\s+50\.0$/,
    );
  });
});
