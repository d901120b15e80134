import { startTcpProxy, type TcpProxy } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post } from "../ingest/support.js";

/**
 * For the enclosing describe: a service that reaches the database through a proxy the test
 * cuts or freezes, one account's ingest token, and a check that storing works (again).
 */
function serviceBehindProxy(suite: string) {
  const at = {} as { proxy: TcpProxy; service: TestService; secret: string };
  beforeAll(async () => {
    at.proxy = await startTcpProxy(inject("mongodbUri"));
    at.service = await startTestService(suite, { mongodbUri: at.proxy.uri, DB_TIMEOUT_MS: 1_000 });
    at.secret = (await at.service.account()).globalToken.secret;
  });
  afterAll(async () => {
    at.proxy.thaw();
    await at.proxy.restore().catch(() => {});
    await at.service.close();
    await at.proxy.close();
  });
  const send = (body: string, path = "/v1/process") =>
    post(at.service, { path, body, headers: bearer(at.secret) });
  /** Nobody restarts anything: the driver reconnects and ingest stores again. */
  const storesAgain = () =>
    expect
      .poll(async () => (await send(`after ${Date.now()}`)).status, {
        timeout: 20_000,
        interval: 250,
      })
      .toBe(201);
  return { at, send, storesAgain };
}

describe("a database outage", () => {
  const { at, send, storesAgain } = serviceBehindProxy("outage");

  const timed = async <T>(call: () => Promise<T>) => {
    const started = Date.now();
    const result = await call();
    return { result, ms: Date.now() - started };
  };

  it("answers 503 problem+json with Retry-After to ingest, within seconds; recovers by itself", async () => {
    expect((await send("before")).status).toBe(201);

    await at.proxy.cut();
    // Several calls in flight at once, on both ingest endpoints: none hangs, none is a 2xx.
    const during = await Promise.all(
      ["/v1/process", "/v1/request", "/v1/process", "/sqibs-api/v1/process"].map((path, i) =>
        timed(() => send(`during ${i}`, path)),
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
    const ready = await timed(() => fetch(`${at.service.url}/readyz`));
    expect(ready.result.status).toBe(503);
    expect(ready.result.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(ready.ms).toBeLessThan(3_000);
    // The process is up and says so.
    expect((await fetch(`${at.service.url}/healthz`)).status).toBe(200);

    await at.proxy.restore();
    await storesAgain();
    expect((await fetch(`${at.service.url}/readyz`)).status).toBe(200);
  });

  it("counts the failed requests as database errors in the metrics", async () => {
    const text = await at.service.deps.metrics.registry.getSingleMetricAsString(
      "sqibs_database_errors_total",
    );
    const unavailable = Number(/kind="unavailable"} (\d+)/.exec(text ?? "")?.[1] ?? 0);
    expect(unavailable).toBeGreaterThanOrEqual(4);
  });
});

describe("a database that stops answering (network partition)", () => {
  const { at, send, storesAgain } = serviceBehindProxy("partition");

  it("answers 503 within seconds instead of hanging, and recovers", async () => {
    expect((await send("before")).status).toBe(201);
    at.proxy.freeze();
    const started = Date.now();
    const during = await send("during");
    const ms = Date.now() - started;
    expect(during.status).toBe(503);
    expect(during.headers.get("retry-after")).toMatch(/^\d+$/);
    // With the driver's default 10 s heartbeat the request was held for 11.5 s. With a 1 s
    // heartbeat: the failed check (DB_TIMEOUT_MS) fails the operation, its retry waits for a
    // server (DB_TIMEOUT_MS): about 3 s here.
    expect(ms).toBeLessThan(5_000);
    at.proxy.thaw();
    await storesAgain();
  });
});
