import { createHash } from "node:crypto";
import type { Session } from "@sqibs/api-client";
import { ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { newAccount, serviceWithAccount } from "./support.js";

/** A browser's view of the API: the cookie it holds, and the CSRF token the console keeps. */
interface Browser {
  cookie: string;
  session: Session;
}

async function call(
  service: TestService,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
) {
  const response = await fetch(new URL(path, service.url), {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { response, status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function signIn(service: TestService, token: string): Promise<Browser> {
  const { response, status, json } = await call(service, "POST", "/v1/sessions", {}, { token });
  expect(status, JSON.stringify(json)).toBe(201);
  const setCookie = response.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0] ?? "", session: json as Session };
}

const storedId = (browser: Browser) =>
  createHash("sha256")
    .update(browser.cookie.slice(browser.cookie.indexOf("=") + 1))
    .digest("hex");

describe("console sessions: POST/GET/DELETE /v1/sessions", () => {
  const { service, acme } = serviceWithAccount("sessions");

  it("201: an admin token opens a session in an HttpOnly, SameSite=Strict cookie; the token is not in it", async () => {
    const { response, json } = await call(
      service,
      "POST",
      "/v1/sessions",
      {},
      { token: acme.adminToken.secret },
    );
    expect(response.status).toBe(201);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(
      /^sqibs_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    expect(setCookie).not.toContain(acme.adminToken.secret);
    expect(json).toMatchObject({
      accountId: acme.accountId,
      accountName: "Acme",
      tokenId: acme.adminToken.token.id,
      idleTimeoutSeconds: 12 * 60 * 60,
      baseUrl: service.url,
    });
    expect(json.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the hash of the cookie's secret is stored.
    const stored = await service.deps.repositories.database.db.collection("sessions").findOne({
      _id: storedId({ cookie: setCookie.split(";")[0] ?? "", session: json }) as never,
    });
    expect(stored).toMatchObject({ tokenId: new ObjectId(acme.adminToken.token.id) });
  });

  it("the cookie is Secure when the service is served over https (PUBLIC_BASE_URL)", async () => {
    const https = await startTestService("sessions-https", {
      PUBLIC_BASE_URL: "https://sqibs.example.com",
    });
    try {
      const other = await newAccount(https);
      const { response, json } = await call(
        https,
        "POST",
        "/v1/sessions",
        {},
        { token: other.adminToken.secret },
      );
      expect(response.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
      expect(json.baseUrl).toBe("https://sqibs.example.com");
    } finally {
      await https.close();
    }
  });

  it("401/403/400: unknown, ingest and missing tokens open no session", async () => {
    const unknown = await call(service, "POST", "/v1/sessions", {}, { token: "sqibs_a_nope" });
    expect(unknown.status).toBe(401);
    expect(unknown.response.headers.get("set-cookie")).toBeNull();
    const ingest = await call(
      service,
      "POST",
      "/v1/sessions",
      {},
      { token: acme.globalToken.secret },
    );
    expect(ingest.status).toBe(403);
    expect(ingest.json.detail).toMatch(/admin/);
    const missing = await call(service, "POST", "/v1/sessions", {}, {});
    expect(missing.status).toBe(400);
    expect(missing.response.headers.get("content-type")).toMatch(/problem\+json/);
  });

  it("management routes take the session; a call that changes something needs its CSRF header", async () => {
    const browser = await signIn(service, acme.adminToken.secret);
    const read = await call(service, "GET", "/v1/account", { cookie: browser.cookie });
    expect(read.status).toBe(200);
    expect(read.json.name).toBe("Acme");
    expect((await call(service, "GET", "/v1/sessions", { cookie: browser.cookie })).json).toEqual(
      browser.session,
    );

    const withoutCsrf = await call(
      service,
      "PATCH",
      "/v1/account",
      { cookie: browser.cookie },
      {
        name: "Forged",
      },
    );
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.json.detail).toMatch(/X-CSRF-Token/);
    const wrongCsrf = await call(
      service,
      "PATCH",
      "/v1/account",
      { cookie: browser.cookie, "x-csrf-token": "not-the-token" },
      { name: "Forged" },
    );
    expect(wrongCsrf.status).toBe(403);
    expect((await call(service, "GET", "/v1/account", { cookie: browser.cookie })).json.name).toBe(
      "Acme",
    );

    const changed = await call(
      service,
      "PATCH",
      "/v1/account",
      { cookie: browser.cookie, "x-csrf-token": browser.session.csrfToken },
      { name: "Acme Ops" },
    );
    expect(changed.status).toBe(200);
    expect(changed.json.name).toBe("Acme Ops");
    await call(
      service,
      "PATCH",
      "/v1/account",
      { cookie: browser.cookie, "x-csrf-token": browser.session.csrfToken },
      { name: "Acme" },
    );
  });

  it("ingest routes never take a session", async () => {
    const browser = await signIn(service, acme.adminToken.secret);
    const ingest = await call(
      service,
      "POST",
      "/v1/process",
      { cookie: browser.cookie, "x-csrf-token": browser.session.csrfToken },
      { alert: "from a browser" },
    );
    expect(ingest.status).toBe(401);
  });

  it("DELETE signs out: the cookie is cleared and stops working on the server", async () => {
    const browser = await signIn(service, acme.adminToken.secret);
    expect((await call(service, "DELETE", "/v1/sessions", { cookie: browser.cookie })).status).toBe(
      403,
    );
    const out = await call(service, "DELETE", "/v1/sessions", {
      cookie: browser.cookie,
      "x-csrf-token": browser.session.csrfToken,
    });
    expect(out.status).toBe(204);
    expect(out.response.headers.get("set-cookie")).toMatch(/^sqibs_session=; .*Max-Age=0/);
    const after = await call(service, "GET", "/v1/account", { cookie: browser.cookie });
    expect(after.status).toBe(401);
    expect(after.json.detail).toMatch(/session has ended/);
    expect((await call(service, "GET", "/v1/sessions", { cookie: browser.cookie })).status).toBe(
      401,
    );
  });

  it("ends after 12 h idle; use moves the end, refreshing lastSeenAt at most once a minute", async () => {
    const browser = await signIn(service, acme.adminToken.secret);
    const sessions = service.deps.repositories.database.db.collection("sessions");
    const lastSeen = async () =>
      (await sessions.findOne({ _id: storedId(browser) as never }))?.lastSeenAt as Date;
    const opened = await lastSeen();
    const clock = service.deps.clock;
    const at = (ms: number) => () => new Date(opened.getTime() + ms);
    try {
      service.deps.clock = at(30_000);
      expect((await call(service, "GET", "/v1/account", { cookie: browser.cookie })).status).toBe(
        200,
      );
      expect(await lastSeen()).toEqual(opened);
      service.deps.clock = at(11 * 3600_000);
      expect((await call(service, "GET", "/v1/account", { cookie: browser.cookie })).status).toBe(
        200,
      );
      expect(await lastSeen()).toEqual(new Date(opened.getTime() + 11 * 3600_000));
      service.deps.clock = at(22 * 3600_000);
      expect((await call(service, "GET", "/v1/account", { cookie: browser.cookie })).status).toBe(
        200,
      );
      service.deps.clock = at(34 * 3600_000 + 1);
      expect((await call(service, "GET", "/v1/account", { cookie: browser.cookie })).status).toBe(
        401,
      );
    } finally {
      service.deps.clock = clock;
    }
  });

  it("a revoked token ends the sessions it opened", async () => {
    const issued = await call(
      service,
      "POST",
      "/v1/tokens",
      { authorization: `Bearer ${acme.adminToken.secret}` },
      { name: "ops", scope: "admin" },
    );
    const browser = await signIn(service, issued.json.secret);
    expect((await call(service, "GET", "/v1/tokens", { cookie: browser.cookie })).status).toBe(200);
    await call(service, "DELETE", `/v1/tokens/${issued.json.token.id}`, {
      authorization: `Bearer ${acme.adminToken.secret}`,
    });
    expect((await call(service, "GET", "/v1/tokens", { cookie: browser.cookie })).status).toBe(401);
  });

  it("a Bearer admin token still works with no cookie and needs no CSRF header", async () => {
    const changed = await call(
      service,
      "PATCH",
      "/v1/account",
      { authorization: `Bearer ${acme.adminToken.secret}` },
      { language: "de" },
    );
    expect(changed.status).toBe(200);
    expect(changed.json.language).toBe("de");
  });
});
