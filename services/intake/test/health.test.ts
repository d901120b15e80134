import { startTcpProxy, type TcpProxy } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureIndexes } from "../src/repositories/index.js";
import { startTestService, type TestService } from "./harness.js";
import { bearer, countIncidents, post } from "./ingest/support.js";

describe("GET /healthz and /readyz", () => {
  let proxy: TcpProxy;
  let service: TestService;

  beforeAll(async () => {
    // The service reaches the database through a proxy the test can cut: a database that
    // stops answering, without stopping the one other suites share.
    proxy = await startTcpProxy(inject("mongodbUri"));
    service = await startTestService("health", { mongodbUri: proxy.uri, DB_TIMEOUT_MS: 500 });
  });
  afterAll(async () => {
    await proxy.restore().catch(() => {});
    await service.close();
    await proxy.close();
  });

  it("answers /healthz 200 while the process is up", async () => {
    const response = await fetch(`${service.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers under the /sqibs-api prefix too", async () => {
    const response = await fetch(`${service.url}/sqibs-api/healthz`);
    expect(response.status).toBe(200);
  });

  it("answers /readyz 200 when the database answers a ping", async () => {
    const response = await fetch(`${service.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready" });
  });

  it("answers /readyz 503 problem+json while the database is down, and 200 once it is back", async () => {
    await proxy.cut();
    const down = await fetch(`${service.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(down.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await down.json()).toMatchObject({ status: 503, title: "Service unavailable" });

    const live = await fetch(`${service.url}/healthz`);
    expect(live.status).toBe(200);

    await proxy.restore();
    await expect
      .poll(async () => (await fetch(`${service.url}/readyz`)).status, { timeout: 15_000 })
      .toBe(200);
  });

  it("answers an unknown route 404 problem+json", async () => {
    const response = await fetch(`${service.url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });
});

describe("before the database's indexes exist", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService("health_indexes", { createIndexes: false });
  });
  afterAll(() => service.close());

  it("answers ingest and /readyz 503 with Retry-After, stores nothing, and serves once they exist", async () => {
    const { globalToken } = await service.account();
    const alert = { body: "disk full on db-1", headers: bearer(globalToken.secret) };
    const early = await post(service, alert);
    expect(early.status).toBe(503);
    expect(early.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(early.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(early.json.detail).toContain("nothing was stored");
    const notReady = await fetch(`${service.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await countIncidents(service)).toBe(0);

    await ensureIndexes(service.deps.repositories);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect((await post(service, alert)).status).toBe(201);
    expect(await countIncidents(service)).toBe(1);
  });
});
