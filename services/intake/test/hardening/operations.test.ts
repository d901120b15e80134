import type { Server } from "node:http";
import { startTcpProxy, type TcpProxy } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startMetricsServer } from "../../src/http/metrics.js";
import { createLogger } from "../../src/logging.js";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post } from "../ingest/support.js";

/** The value of one sample line of a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const [, labelText = "", value = ""] = /^[^{]+\{(.*)\} (\S+)$/.exec(line) ?? [];
    const have = labelText.split(/,(?=\w+=")/);
    if (wanted.every((pair) => have.includes(pair))) return Number(value);
  }
  return 0;
}

describe("GET /metrics after traffic", () => {
  let service: TestService;
  let metrics: { server: Server; url: string };

  beforeAll(async () => {
    service = await startTestService("metrics");
    if (!service.deps.metrics) throw new Error("the harness passes metrics");
    metrics = await startMetricsServer(service.deps.metrics, 0, "127.0.0.1");
  });
  afterAll(async () => {
    metrics.server.close();
    await service.close();
  });

  it("counts requests by route template and status, latency, incidents created, duplicates, suppressed", async () => {
    const correlated = await service.account({ accountName: "Correlated" });
    await service.configureService(correlated, {
      filter: { triggers: [{ urgency: "high", conditions: [], correlationKey: "alert" }] },
    });
    const secret = correlated.globalToken.secret;
    const json = { "content-type": "application/json", ...bearer(secret) };
    const first = await post(service, { body: '{"alert":"A","n":1}', headers: json });
    const again = await post(service, { body: '{"alert":"A","n":2}', headers: json });
    const other = await post(service, { body: '{"alert":"B","n":1}', headers: json });
    expect([first.status, again.status, other.status]).toEqual([201, 200, 201]);
    expect(again.json.triggered).toEqual({ created: false, duplicate: true });
    // The same delivery again: a retry, answered from the first answer.
    const retry = await post(service, { body: '{"alert":"B","n":1}', headers: json });
    expect(retry.status).toBe(201);

    const quiet = await service.account({ accountName: "In maintenance" });
    await service.configureService(quiet, { state: "maintenance" });
    const suppressed = await post(service, {
      body: "x",
      headers: bearer(quiet.globalToken.secret),
    });
    expect(suppressed.status).toBe(202);
    expect(suppressed.json.reason).toBe("maintenance");

    const request = await post(service, {
      path: "/sqibs-api/v1/request",
      body: "r",
      headers: bearer(secret),
    });
    expect(request.status).toBe(201);
    expect((await post(service, { body: "x" })).status).toBe(401);
    expect((await fetch(`${service.url}/nope/123`)).status).toBe(404);
    const admin = bearer(correlated.adminToken.secret);
    const incidentId = first.json.incidents[0].id;
    expect(
      (await fetch(`${service.url}/v1/incidents/${incidentId}`, { headers: admin })).status,
    ).toBe(200);

    const response = await fetch(metrics.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    const requests = (route: string, status: string, method = "POST") =>
      sample(text, "sqibs_http_requests_total", { method, route, status });
    expect(requests("/v1/process", "201")).toBe(3);
    expect(requests("/v1/process", "200")).toBe(1);
    expect(requests("/v1/process", "202")).toBe(1);
    expect(requests("/v1/process", "401")).toBe(1);
    expect(requests("/v1/request", "201")).toBe(1);
    expect(requests("unmatched", "404", "GET")).toBe(1);
    // Route templates, not paths: one series for every incident id.
    expect(requests("/v1/incidents/:incidentId", "200", "GET")).toBe(1);
    expect(text).not.toContain(incidentId);

    expect(
      sample(text, "sqibs_http_request_duration_seconds_count", {
        method: "POST",
        route: "/v1/process",
        status: "201",
      }),
    ).toBe(3);
    expect(
      sample(text, "sqibs_http_request_duration_seconds_bucket", {
        method: "POST",
        route: "/v1/process",
        status: "201",
        le: "+Inf",
      }),
    ).toBe(3);

    expect(sample(text, "sqibs_incidents_total", { action: "created" })).toBe(2);
    expect(sample(text, "sqibs_incidents_total", { action: "duplicate" })).toBe(1);
    expect(
      sample(text, "sqibs_ingest_calls_total", { endpoint: "process", outcome: "suppressed" }),
    ).toBe(1);
    expect(
      sample(text, "sqibs_ingest_calls_total", { endpoint: "process", outcome: "replayed" }),
    ).toBe(1);
    expect(
      sample(text, "sqibs_ingest_calls_total", { endpoint: "request", outcome: "created" }),
    ).toBe(1);
    expect(text).toContain("# TYPE sqibs_database_errors_total counter");
    expect(text).toContain("# TYPE sqibs_http_requests_in_flight gauge");
  });
});

describe("structured logs carry the request id on every line of a request", () => {
  let proxy: TcpProxy;
  let service: TestService;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    proxy = await startTcpProxy(inject("mongodbUri"));
    const logger = createLogger(
      { LOG_LEVEL: "debug" },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    service = await startTestService("logs", { mongodbUri: proxy.uri, logger });
  });
  afterAll(async () => {
    await proxy.restore().catch(() => {});
    await service.close();
    await proxy.close();
  });

  it("tags the lines that modules write without passing the id (readiness, outage)", async () => {
    const secret = (await service.account()).globalToken.secret;
    const ok = await post(service, {
      body: "fine",
      headers: { ...bearer(secret), "x-request-id": "trace-42" },
    });
    expect(ok.status).toBe(201);
    expect(ok.headers.get("x-request-id")).toBe("trace-42");

    await proxy.cut();
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    const readyId = ready.headers.get("x-request-id");
    const down = await post(service, { body: "down", headers: bearer(secret) });
    expect(down.status).toBe(503);
    await proxy.restore();

    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines)
      expect(line.requestId, JSON.stringify(line)).toMatch(/^(req-|trace-)/);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "request", requestId: "trace-42", status: 201 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "readiness: database ping failed", requestId: readyId }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "request",
        requestId: down.headers.get("x-request-id"),
        status: 503,
      }),
    );
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe("request ids", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService("request-ids");
  });
  afterAll(async () => {
    await service.close();
  });

  it("gives every call without one an id of its own, past the ids drawn at once", async () => {
    const ids: string[] = [];
    // More calls than the 512 ids drawn from the CSPRNG at once (http/request-log.ts).
    for (let call = 0; call < 600; call += 1) {
      const answer = await fetch(`${service.url}/healthz`);
      ids.push(answer.headers.get("x-request-id") ?? "");
    }
    for (const id of ids) expect(id).toMatch(/^req-[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
