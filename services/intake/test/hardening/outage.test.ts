import { startTcpProxy, type TcpProxy } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post } from "../ingest/support.js";

describe("a database outage", () => {
  let proxy: TcpProxy;
  let service: TestService;
  let secret: string;

  beforeAll(async () => {
    // The service reaches the database through a proxy the test cuts.
    proxy = await startTcpProxy(inject("mongodbUri"));
    service = await startTestService("outage", { mongodbUri: proxy.uri, DB_TIMEOUT_MS: 1_000 });
    secret = (await service.account()).globalToken.secret;
  });
  afterAll(async () => {
    await proxy.restore().catch(() => {});
    await service.close();
    await proxy.close();
  });

  const timed = async <T>(call: () => Promise<T>) => {
    const started = Date.now();
    const result = await call();
    return { result, ms: Date.now() - started };
  };

  it("answers 503 problem+json with Retry-After to ingest, within seconds; recovers by itself", async () => {
    expect((await post(service, { body: "before", headers: bearer(secret) })).status).toBe(201);

    await proxy.cut();
    // Several calls in flight at once, on both ingest endpoints: none hangs, none is a 2xx.
    const during = await Promise.all(
      ["/v1/process", "/v1/request", "/v1/process", "/sqibs-api/v1/process"].map((path, i) =>
        timed(() => post(service, { path, body: `during ${i}`, headers: bearer(secret) })),
      ),
    );
    for (const { result, ms } of during) {
      expect(result.status).toBe(503);
      expect(result.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(result.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      expect(result.json).toMatchObject({ status: 503, title: "Service unavailable" });
      // DB_TIMEOUT_MS (2 s by default, 1 s here) bounds the wait for a server.
      expect(ms).toBeLessThan(3_000);
    }
    const ready = await timed(() => fetch(`${service.url}/readyz`));
    expect(ready.result.status).toBe(503);
    expect(ready.result.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(ready.ms).toBeLessThan(3_000);
    // The process is up and says so.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

    await proxy.restore();
    // Nobody restarts anything: the driver reconnects and ingest stores again.
    await expect
      .poll(
        async () =>
          (await post(service, { body: `after ${Date.now()}`, headers: bearer(secret) })).status,
        { timeout: 20_000, interval: 250 },
      )
      .toBe(201);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it("counts the failed requests as database errors in the metrics", async () => {
    const text = await service.deps.metrics?.registry.getSingleMetricAsString(
      "sqibs_database_errors_total",
    );
    const unavailable = Number(/kind="unavailable"} (\d+)/.exec(text ?? "")?.[1] ?? 0);
    expect(unavailable).toBeGreaterThanOrEqual(4);
  });
});

describe("a database that stops answering (network partition)", () => {
  let proxy: TcpProxy;
  let service: TestService;
  let secret: string;

  beforeAll(async () => {
    proxy = await startTcpProxy(inject("mongodbUri"));
    service = await startTestService("partition", { mongodbUri: proxy.uri, DB_TIMEOUT_MS: 1_000 });
    secret = (await service.account()).globalToken.secret;
  });
  afterAll(async () => {
    proxy.thaw();
    await service.close();
    await proxy.close();
  });

  it("answers 503 within seconds instead of hanging, and recovers", async () => {
    expect((await post(service, { body: "before", headers: bearer(secret) })).status).toBe(201);
    proxy.freeze();
    const started = Date.now();
    const during = await post(service, { body: "during", headers: bearer(secret) });
    const ms = Date.now() - started;
    expect(during.status).toBe(503);
    expect(during.headers.get("retry-after")).toMatch(/^\d+$/);
    // With the driver's default 10 s heartbeat the request was held for 11.5 s. With a 1 s
    // heartbeat: the failed check (DB_TIMEOUT_MS) fails the operation, its retry waits for a
    // server (DB_TIMEOUT_MS): about 3 s here.
    expect(ms).toBeLessThan(5_000);
    proxy.thaw();
    await expect
      .poll(
        async () =>
          (await post(service, { body: `after ${Date.now()}`, headers: bearer(secret) })).status,
        { timeout: 20_000, interval: 250 },
      )
      .toBe(201);
  });
});
