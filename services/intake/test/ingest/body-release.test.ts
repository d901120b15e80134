import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureRawBody, rawBodyOf, releaseRawBody } from "../../src/http/raw-body.js";
import { startTestService, type TestService } from "../harness.js";
import { raw } from "../management/support.js";
import { bearer, GROUP_FILTER, post, storedIncident } from "./support.js";

// A call's body is freed as soon as the call is answered (http/raw-body.ts): nothing it
// stored may read it after that.

describe("the body's memory", () => {
  it("is the body's own, and reads as empty once released", async () => {
    const app = express();
    const kept: Buffer[] = [];
    app.use(captureRawBody(1024 * 1024));
    app.post("/v1/process", (req, res) => {
      const bytes = rawBodyOf(req);
      // Not a slice of Node's shared pool: releasing it frees no other Buffer's bytes.
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
      kept.push(bytes);
      res.status(202).json({ length: bytes.byteLength, text: bytes.toString("utf8") });
      releaseRawBody(req);
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as { port: number };
      for (const size of [10, 2_000, 40_000]) {
        const body = "x".repeat(size);
        const answer = await fetch(`http://127.0.0.1:${port}/v1/process`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        expect(await answer.json()).toEqual({ length: size, text: body });
      }
      expect(kept.map((bytes) => bytes.byteLength)).toEqual([0, 0, 0]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("what a call stored, once its body is freed", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    service = await startTestService("body-release");
    account = await service.account();
    await service.configureService(account, { filter: GROUP_FILTER });
  });
  afterAll(() => service.close());

  const ingest = (body: string, path = "/v1/process") =>
    post(service, {
      path,
      body,
      headers: { "content-type": "application/json", ...bearer(account.globalToken.secret) },
    });

  it("reads whole: incidents of every size opened at once, repeated, resolved", async () => {
    // Sizes on both sides of Node's pool (32 KiB) and of a payload stored apart (64 KiB).
    const sizes = [100, 2_000, 20_000, 40_000, 100_000];
    const bodies = sizes.flatMap((size) =>
      [1, 2, 3].map((copy) =>
        JSON.stringify({
          status: "firing",
          groupKey: `g-${size}-${copy}`,
          description: `disk full, ${size} bytes`,
          filler: String(copy).repeat(size),
        }),
      ),
    );
    const opened = await Promise.all(bodies.map((body) => ingest(body)));
    expect(opened.map((answer) => answer.status)).toEqual(bodies.map(() => 201));
    const repeated = await Promise.all(
      bodies.map((body) => ingest(body.replace('"status":"firing"', '"status":"firing" '))),
    );
    expect(repeated.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
    const resolved = await Promise.all(
      bodies.map((body) => ingest(body.replace('"status":"firing"', '"status":"resolved"'))),
    );
    expect(resolved.map((answer) => answer.status)).toEqual(bodies.map(() => 200));
    for (const [index, answer] of opened.entries()) {
      const id = answer.json.incidents[0].id as string;
      const incident = await storedIncident(service, account.account.id, id);
      expect(incident.bytes.toString("utf8")).toBe(bodies[index]);
      expect(incident.status).toBe("resolved");
    }
  });

  it("reads whole: requests, and retries answered from what was stored", async () => {
    const body = JSON.stringify({ title: "rotate the keys", filler: "r".repeat(30_000) });
    const first = await ingest(body, "/v1/request");
    const retry = await ingest(body, "/v1/request");
    expect(first.status).toBe(201);
    expect(retry.json).toEqual({ ...first.json, replayed: true });
    const detail = await raw(service, "GET", `/v1/requests/${first.json.request.id}`, {
      headers: bearer(account.adminToken.secret),
    });
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ description: body, payload: { body } });
  });
});
