import { freePort } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { issueToken } from "../../src/usecases/tokens.js";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post } from "../ingest/support.js";
import { type ChildService, killService, seedDatabase, spawnService } from "./support.js";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

describe("secrets never reach the logs (the real server, LOG_LEVEL=info)", () => {
  let seed: Awaited<ReturnType<typeof seedDatabase>>;
  let service: ChildService | undefined;
  let metricsPort: number;

  beforeAll(async () => {
    seed = await seedDatabase(inject("mongodbUri"), "secrets");
    metricsPort = await freePort();
    service = await spawnService({
      MONGODB_URI: inject("mongodbUri"),
      MONGODB_DB: seed.dbName,
      LOG_LEVEL: "info",
      METRICS_PORT: String(metricsPort),
    });
  });
  afterAll(async () => {
    await killService(service);
    await seed.close();
  });

  it("logs requests on every path (2xx, 400, 401, 403, 413, 414, 431) without a credential", async () => {
    if (!service) throw new Error("no service");
    const url = service.url;
    const secret = seed.account.globalToken.secret;
    const admin = seed.account.adminToken.secret;
    const unknown = "sqibs_g_ThisSecretIsUnknownToTheService0123456789";
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const send = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${url}${path}`, { method: "POST", body: "x", ...init });
      await response.arrayBuffer();
      return response.status;
    };

    const statuses = {
      bearer: await send("/v1/process", { headers: { authorization: `Bearer ${secret}` } }),
      basic: await send("/v1/process", { headers: { authorization: basic("sns", secret) } }),
      basicUser: await send("/v1/process", { headers: { authorization: basic(secret, "") } }),
      callgoose: await send("/v1/process", { headers: { "x-callgoose-auth": secret } }),
      query: await send(`/v1/process?token=${secret}&from=q`),
      encodedName: await send(`/sqibs-api/v1/request?%74oken=${secret}`),
      unknownBearer: await send("/v1/process", { headers: { authorization: `Bearer ${unknown}` } }),
      unknownQuery: await send(`/v1/process?token=${unknown}`),
      unknownBasic: await send("/v1/process", { headers: { authorization: basic("u", unknown) } }),
      differ: await send(`/v1/process?token=${unknown}`, {
        headers: { authorization: `Bearer ${secret}` },
      }),
      invalidQuery: await send(`/v1/process?token=${secret}&from=${"f".repeat(300)}`),
      upperCaseName: await send(`/v1/process?TOKEN=${secret}`),
      adminOnIngest: await send(`/v1/process?token=${admin}`),
      adminBearerOnIngest: await send("/v1/process", {
        headers: { authorization: `Bearer ${admin}` },
      }),
      tooLarge: await send(`/v1/process?token=${secret}`, {
        headers: { authorization: `Bearer ${secret}`, "content-type": "text/plain" },
        body: "x".repeat(1024 * 1024 + 1),
      }),
      urlTooLong: await send(`/v1/process?token=${secret}&from=${"u".repeat(9000)}`),
      headersTooLarge: await send(`/v1/process?token=${secret}`, {
        headers: { authorization: `Bearer ${secret}`, "x-pad": "p".repeat(17 * 1024) },
      }).catch(() => 0),
      management: await fetch(`${url}/v1/account`, {
        headers: { authorization: `Bearer ${admin}` },
      }).then((response) => response.status),
      managementQuery: await fetch(`${url}/v1/tokens?token=${admin}`).then(
        (response) => response.status,
      ),
    };
    expect(statuses).toEqual({
      bearer: 201,
      basic: 201,
      basicUser: 201,
      callgoose: 201,
      query: 201,
      encodedName: 201,
      unknownBearer: 401,
      unknownQuery: 401,
      unknownBasic: 401,
      differ: 401,
      invalidQuery: 400,
      // Not the `token` parameter (names are case-sensitive): no credential at all.
      upperCaseName: 401,
      // Only ingest tokens may travel in URLs (issue 15).
      adminOnIngest: 401,
      adminBearerOnIngest: 403,
      tooLarge: 413,
      urlTooLong: 414,
      headersTooLarge: 431,
      management: 200,
      managementQuery: expect.any(Number),
    });

    // A token created through the API (its secret is in that answer only).
    const created = await fetch(`${url}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "created", scope: "global" }),
    });
    const issued =
      created.status === 201 ? ((await created.json()) as { secret: string }).secret : undefined;
    if (issued) await send("/v1/process", { headers: { authorization: `Bearer ${issued}` } });

    // Stop it so that everything it logged is flushed.
    service.child.kill("SIGTERM");
    await service.exited;
    const output = service.output();
    const lines = output.split("\n").filter((line) => line.startsWith("{"));
    expect(lines.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(
      Object.keys(statuses).length - 1,
    );
    for (const value of [secret, admin, unknown, ...(issued ? [issued] : [])]) {
      for (const form of [
        value,
        value.slice(8), // without its recognizable prefix
        Buffer.from(`sns:${value}`).toString("base64"),
        Buffer.from(`${value}:`).toString("base64"),
        Buffer.from(`u:${value}`).toString("base64"),
      ]) {
        expect(output.includes(form), `the log holds ${form.slice(0, 12)}…`).toBe(false);
      }
    }
    expect(output).toContain("[REDACTED]");
  });

  it("serves GET /metrics on METRICS_PORT only, in the Prometheus text format", async () => {
    // The service above has stopped; start it again on the same database for this check.
    service = await spawnService({
      MONGODB_URI: inject("mongodbUri"),
      MONGODB_DB: seed.dbName,
      LOG_LEVEL: "warn",
      METRICS_PORT: String(metricsPort),
    });
    await post({ url: service.url } as TestService, {
      body: "m",
      headers: bearer(seed.account.globalToken.secret),
    });
    const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await scrape.text();
    expect(text).toMatch(
      /^sqibs_http_requests_total\{method="POST",route="\/v1\/process",status="201"\} 1$/m,
    );
    expect(text).toMatch(/^sqibs_process_cpu_seconds_total /m);
    // Not on the API port.
    expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
  });
});

describe("security headers and scopes", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;
  let serviceToken: string;

  beforeAll(async () => {
    service = await startTestService("security");
    account = await service.account();
    serviceToken = (
      await issueToken(service.deps, {
        accountId: account.account.id,
        name: "svc",
        scope: "service",
        serviceId: account.service.id,
      })
    ).secret;
  });
  afterAll(() => service.close());

  const expectSecurityHeaders = (headers: Headers, where: string) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      expect(headers.get(name), `${where}: ${name}`).toBe(value);
    expect(headers.get("content-security-policy"), where).toMatch(/^default-src 'none'/);
    expect(headers.get("x-powered-by"), where).toBeNull();
  };

  it("sends nosniff, no-store, no-referrer and default-src 'none' on management answers", async () => {
    const admin = bearer(account.adminToken.secret);
    for (const path of ["/v1/account", "/v1/tokens", "/v1/incidents", "/sqibs-api/v1/services"]) {
      const response = await fetch(`${service.url}${path}`, { headers: admin });
      expect(response.status, path).toBe(200);
      expectSecurityHeaders(response.headers, path);
    }
    const denied = await fetch(`${service.url}/v1/account`);
    expect(denied.status).toBe(401);
    expectSecurityHeaders(denied.headers, "401");
  });

  it("sends them on ingest, health and error answers too", async () => {
    const created = await post(service, { body: "x", headers: bearer(account.globalToken.secret) });
    expect(created.status).toBe(201);
    expectSecurityHeaders(created.headers, "201");
    expectSecurityHeaders((await fetch(`${service.url}/healthz`)).headers, "healthz");
    expectSecurityHeaders((await fetch(`${service.url}/nope`)).headers, "404");
  });

  it("answers a method the path does not take 405 with Allow", async () => {
    const response = await fetch(`${service.url}/v1/process`, { method: "DELETE" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ["POST", "/v1/process"],
    ["POST", "/v1/request"],
    ["POST", "/sqibs-api/v1/process"],
  ])("answers an admin token 403 on %s %s", async (method, path) => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: bearer(account.adminToken.secret),
      body: "x",
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it.each([
    ["GET", "/v1/account"],
    ["GET", "/v1/tokens"],
    ["GET", "/v1/incidents"],
    ["GET", "/v1/services"],
    ["GET", "/v1/requests"],
    ["GET", "/v1/api-logs"],
  ])("answers ingest tokens (global and service) 403 on %s %s", async (method, path) => {
    for (const secret of [account.globalToken.secret, serviceToken]) {
      const response = await fetch(`${service.url}${path}`, { method, headers: bearer(secret) });
      expect(response.status, path).toBe(403);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
  });

  it("lets an ingest token create no token", async () => {
    const response = await fetch(`${service.url}/v1/tokens`, {
      method: "POST",
      headers: { ...bearer(account.globalToken.secret), "content-type": "application/json" },
      body: JSON.stringify({ name: "escalate", scope: "admin" }),
    });
    expect(response.status).toBe(403);
  });
});
