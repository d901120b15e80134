import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { countIncidents, post } from "./support.js";

describe("POST /v1/process authenticates every credential form", () => {
  let service: TestService;
  let secret: string;
  let other: string;
  let admin: string;

  beforeAll(async () => {
    service = await startTestService("process401");
    const account = await service.account();
    secret = account.globalToken.secret;
    admin = account.adminToken.secret;
    other = (await service.account({ accountName: "Other" })).globalToken.secret;
  });
  afterAll(() => service.close());

  it.each([
    ["Authorization: Bearer", () => ({ headers: { authorization: `Bearer ${secret}` } })],
    ["the token URL parameter", () => ({ query: { token: secret } })],
    ["X-Callgoose-Auth", () => ({ headers: { "x-callgoose-auth": secret } })],
    [
      "HTTP Basic (token as password)",
      () => ({ headers: { authorization: `Basic ${btoa(`sns:${secret}`)}` } }),
    ],
    [
      "HTTP Basic (token as user name)",
      () => ({ headers: { authorization: `Basic ${btoa(`${secret}:`)}` } }),
    ],
    [
      "two credentials that agree",
      () => ({ query: { token: secret }, headers: { authorization: `Bearer ${secret}` } }),
    ],
    // An empty credential is none (issue 15): it does not "differ" from the real one.
    [
      "a Bearer next to an empty token URL parameter",
      () => ({ query: { token: "" }, headers: { authorization: `Bearer ${secret}` } }),
    ],
    [
      "a Bearer next to an empty X-Callgoose-Auth",
      () => ({ headers: { authorization: `Bearer ${secret}`, "x-callgoose-auth": "" } }),
    ],
    [
      "a token URL parameter next to another scheme's Authorization (a proxy's)",
      () => ({ query: { token: secret }, headers: { authorization: "Negotiate abc" } }),
    ],
  ])("accepts %s", async (_name, credentials) => {
    const response = await post(service, { body: "up?", ...credentials() });
    expect(response.status).toBe(201);
  });

  it.each([
    ["no credential", () => ({}), "No API token"],
    [
      "an unknown token",
      () => ({ headers: { authorization: "Bearer sqibs_g_unknown" } }),
      "unknown",
    ],
    ["an empty Bearer", () => ({ headers: { authorization: "Bearer " } }), "No API token"],
    ["an empty token URL parameter", () => ({ query: { token: "" } }), "No API token"],
    [
      "an unsupported scheme",
      () => ({ headers: { authorization: `Token ${secret}` } }),
      "No API token",
    ],
    [
      "an admin token in the token URL parameter",
      () => ({ query: { token: admin } }),
      "Only ingest tokens may travel in URLs",
    ],
    [
      "two credentials that differ",
      () => ({ query: { token: secret }, headers: { authorization: `Bearer ${other}` } }),
      "two different",
    ],
  ])(
    "answers 401 problem+json with WWW-Authenticate for %s, storing nothing",
    async (_name, credentials, detail) => {
      const before = await countIncidents(service);
      const response = await post(service, { body: "x", ...credentials() });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(response.json).toMatchObject({ status: 401, title: "Unauthorized" });
      expect(response.json.detail).toContain(detail);
      expect(await countIncidents(service)).toBe(before);
    },
  );

  it("answers 401 for a revoked token on the very next request", async () => {
    const account = await service.account({ accountName: "Revoked" });
    const { secret: revoked, token } = account.globalToken;
    expect(
      (await post(service, { body: "x", headers: { authorization: `Bearer ${revoked}` } })).status,
    ).toBe(201);
    await service.deps.repositories.tokens.revoke(account.account.id, token.id, new Date());
    const response = await post(service, {
      body: "x",
      headers: { authorization: `Bearer ${revoked}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("never stores the secret, only its SHA-256", async () => {
    const rows = await service.deps.repositories.database.db
      .collection("token_secrets")
      .find()
      .toArray();
    const tokens = await service.deps.repositories.database.db
      .collection("tokens")
      .find()
      .toArray();
    const everything = JSON.stringify([rows, tokens]);
    expect(everything).not.toContain(secret);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(String(row._id)))).toBe(true);
  });
});
