import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { bearer, countIncidents, post } from "../ingest/support.js";

/** A fixed time 15 s into a minute: the window never rolls over during a test. */
const MINUTE = 60_000;
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE + 15_000;

function pinClock(service: TestService, at: number) {
  service.deps.clock = () => new Date(at);
}

describe("rate limits per token and per account, held in the database", () => {
  let first: TestService;
  let second: TestService;

  beforeAll(async () => {
    first = await startTestService("ratelimit", {
      RATE_LIMIT_PER_MINUTE: 6,
      ACCOUNT_RATE_LIMIT_PER_MINUTE: 0,
    });
    // A second instance of the service on the same database.
    second = await startTestService("ratelimit", {
      MONGODB_DB: first.deps.config.MONGODB_DB,
      RATE_LIMIT_PER_MINUTE: 6,
      ACCOUNT_RATE_LIMIT_PER_MINUTE: 0,
    });
    pinClock(first, T0);
    pinClock(second, T0);
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it("holds the token's limit across two instances, then answers 429 naming it, with Retry-After", async () => {
    const { globalToken } = await first.account({ accountName: "Shared" });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const instance = i % 2 === 0 ? first : second;
      statuses.push(
        (await post(instance, { body: `e${i}`, headers: bearer(globalToken.secret) })).status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    const before = await countIncidents(first);
    for (const instance of [first, second]) {
      const limited = await post(instance, { body: "over", headers: bearer(globalToken.secret) });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(limited.json).toMatchObject({
        status: 429,
        title: "Too many requests",
        limit: "token",
      });
      expect(limited.json.detail).toContain("6 requests per minute");
      // 45 s left in the minute.
      expect(limited.headers.get("retry-after")).toBe("45");
    }
    expect(await countIncidents(first)).toBe(before);
  });

  it("counts each token on its own", async () => {
    const other = await first.account({ accountName: "Other" });
    const response = await post(second, { body: "x", headers: bearer(other.globalToken.secret) });
    expect(response.status).toBe(201);
  });

  it("lets the next window through", async () => {
    const { globalToken } = await first.account({ accountName: "Windows" });
    for (let i = 0; i < 6; i++)
      await post(first, { body: `w${i}`, headers: bearer(globalToken.secret) });
    expect((await post(first, { body: "w", headers: bearer(globalToken.secret) })).status).toBe(
      429,
    );
    pinClock(first, T0 + MINUTE);
    expect((await post(first, { body: "w2", headers: bearer(globalToken.secret) })).status).toBe(
      201,
    );
    pinClock(first, T0);
  });

  it("applies a token's own rateLimitPerMinute", async () => {
    const { globalToken } = await first.account({ accountName: "Own token limit" });
    await first.deps.repositories.database.db
      .collection("tokens")
      .updateOne({ _id: new ObjectId(globalToken.token.id) }, { $set: { rateLimitPerMinute: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await post(second, { body: `t${i}`, headers: bearer(globalToken.secret) })).status,
      );
    expect(statuses).toEqual([201, 201, 429]);
  });

  it("applies an account's rateLimitPerMinute to all its tokens together, naming the account", async () => {
    const { account, globalToken, service } = await first.account({
      accountName: "Own account limit",
    });
    await first.deps.repositories.database.db
      .collection("accounts")
      .updateOne({ _id: new ObjectId(account.id) }, { $set: { rateLimitPerMinute: 3 } });
    const { issueToken } = await import("../../src/usecases/tokens.js");
    const serviceToken = await issueToken(first.deps, {
      accountId: account.id,
      name: "svc",
      scope: "service",
      serviceId: service.id,
    });
    const statuses = [];
    for (const [i, secret] of [
      globalToken.secret,
      serviceToken.secret,
      globalToken.secret,
    ].entries())
      statuses.push(
        (await post(i % 2 ? second : first, { body: `a${i}`, headers: bearer(secret) })).status,
      );
    expect(statuses).toEqual([201, 201, 201]);
    const limited = await post(second, { body: "a3", headers: bearer(serviceToken.secret) });
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ limit: "account" });
    expect(limited.json.detail).toContain("3 requests per minute");
    expect(limited.headers.get("retry-after")).toBe("45");
  });

  it("limits /v1/request too", async () => {
    const { globalToken } = await first.account({ accountName: "Requests" });
    for (let i = 0; i < 6; i++)
      await post(first, {
        path: "/v1/request",
        body: `r${i}`,
        headers: bearer(globalToken.secret),
      });
    const limited = await post(second, {
      path: "/v1/request",
      body: "r",
      headers: bearer(globalToken.secret),
    });
    expect(limited.status).toBe(429);
    expect(limited.json.limit).toBe("token");
  });

  it("deletes past windows (no TTL index on FerretDB)", async () => {
    const windows = first.deps.repositories.database.db.collection("rate_limit_windows");
    const past = await windows.countDocuments({ expiresAt: { $lte: new Date(T0 + MINUTE) } });
    expect(past).toBeGreaterThan(0);
    const { globalToken } = await first.account({ accountName: "Cleanup" });
    // Hits below half a limit are sent within 250 ms; one sent after the clean-up would bring
    // its window back (until the next clean-up). The clock jumps minutes here, so send them now.
    await Promise.all([first, second].map((it) => it.deps.repositories.rateLimits.flushPending()));
    pinClock(second, T0 + 3 * MINUTE);
    // The clean-ups' pace is kept on the monotonic clock, which the pinned clock does not move:
    // as if a minute had passed since the last one.
    second.deps.rateLimiter.lastCleanupAt = Number.NEGATIVE_INFINITY;
    await post(second, { body: "later", headers: bearer(globalToken.secret) });
    await expect
      .poll(() => windows.countDocuments({ expiresAt: { $lte: new Date(T0 + MINUTE) } }))
      .toBe(0);
    expect(await windows.countDocuments({})).toBeGreaterThan(0);
    pinClock(second, T0);
  });

  it("limits admin tokens on the management API too, with the documented 429", async () => {
    const { adminToken } = await first.account({ accountName: "Admin limited" });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`${first.url}/v1/tokens`, {
        headers: { authorization: `Bearer ${adminToken.secret}` },
      });
      statuses.push(response.status);
      if (response.status === 429) {
        // Responses are validated against the OpenAPI document in tests: an undocumented
        // 429 would not get here as problem+json.
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(response.headers.get("retry-after")).toBe("45");
        expect(await response.json()).toMatchObject({ status: 429, limit: "token" });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });
});

describe("rate limits off", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService("ratelimit_off", {
      RATE_LIMIT_PER_MINUTE: 0,
      ACCOUNT_RATE_LIMIT_PER_MINUTE: 0,
    });
  });
  afterAll(() => service.close());

  it("never answers 429 and writes no counters when both limits are 0", async () => {
    const { globalToken } = await service.account();
    for (let i = 0; i < 10; i++)
      expect(
        (await post(service, { body: `${i}`, headers: bearer(globalToken.secret) })).status,
      ).toBe(201);
    const windows = service.deps.repositories.database.db.collection("rate_limit_windows");
    expect(await windows.countDocuments({})).toBe(0);
  });
});

describe("ACCOUNT_RATE_LIMIT_PER_MINUTE", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService("ratelimit_account", {
      RATE_LIMIT_PER_MINUTE: 100,
      ACCOUNT_RATE_LIMIT_PER_MINUTE: 3,
    });
    pinClock(service, T0);
  });
  afterAll(() => service.close());

  it("caps all the tokens of an account together by default", async () => {
    const { globalToken, adminToken } = await service.account();
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await post(service, { body: `${i}`, headers: bearer(globalToken.secret) })).status,
      );
    expect(statuses).toEqual([201, 201, 201]);
    // The admin token shares the account's budget.
    const limited = await fetch(`${service.url}/v1/account`, {
      headers: bearer(adminToken.secret),
    });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { limit: string }).limit).toBe("account");
  });
});
