import { getAccount, updateAccount } from "@sqibs/api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../harness.js";
import { clientFor, newAccount, problemOf, raw, type TestAccount, trigger } from "./support.js";

describe("GET/PATCH /v1/account", () => {
  let service: TestService;
  let acme: TestAccount;

  beforeAll(async () => {
    service = await startTestService("mgmt-account");
    acme = await newAccount(service, { accountName: "Acme", language: "en" });
  });
  afterAll(() => service.close());

  it("200: shows the caller's account", async () => {
    const { data, response } = await getAccount({ client: acme.admin });
    expect(response?.status).toBe(200);
    expect(data).toMatchObject({ id: acme.accountId, name: "Acme", language: "en" });
  });

  it("200: answers under the /sqibs-api prefix too", async () => {
    const answer = await raw(service, "GET", "/sqibs-api/v1/account", {
      headers: { authorization: `Bearer ${acme.adminToken.secret}` },
    });
    expect(answer.status).toBe(200);
  });

  it.each([
    [
      "X-Callgoose-Auth",
      (secret: string) => ({ query: "", headers: { "x-callgoose-auth": secret } }),
    ],
    [
      "HTTP Basic",
      (secret: string) => ({
        query: "",
        headers: { authorization: `Basic ${btoa(`ops:${secret}`)}` },
      }),
    ],
  ])("200: takes the admin token as %s too", async (_name, place) => {
    const { query, headers } = place(acme.adminToken.secret);
    const answer = await raw(service, "GET", `/v1/account${query}`, { headers });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ id: acme.accountId });
  });

  it("401: an admin token in the token URL parameter (only ingest tokens travel in URLs)", async () => {
    for (const path of ["/v1/account", "/sqibs-api/v1/account"]) {
      const answer = await raw(service, "GET", `${path}?token=${acme.adminToken.secret}`);
      expect(answer.status).toBe(401);
      expect((answer.json as { detail: string }).detail).toContain(
        "Only ingest tokens may travel in URLs",
      );
    }
    // Not even next to a valid header: the secret in the URL is refused, not ignored.
    const both = await raw(service, "GET", `/v1/account?token=${acme.adminToken.secret}`, {
      headers: { authorization: `Bearer ${acme.adminToken.secret}` },
    });
    expect(both.status).toBe(401);
  });

  it("200: an empty token URL parameter next to the admin token is no credential", async () => {
    const answer = await raw(service, "GET", "/v1/account?token=", {
      headers: { authorization: `Bearer ${acme.adminToken.secret}` },
    });
    expect(answer.status).toBe(200);
  });

  it("200: renames the account and stores the language as the supported one it matches", async () => {
    const { data } = await updateAccount({
      client: acme.admin,
      body: { name: "Acme GmbH", language: "de-AT" },
    });
    expect(data).toMatchObject({ name: "Acme GmbH", language: "de" });
    const again = await getAccount({ client: acme.admin });
    expect(again.data).toMatchObject({ name: "Acme GmbH", language: "de" });
  });

  it("the new language titles the next incidents", async () => {
    await updateAccount({ client: acme.admin, body: { language: "fr" } });
    const result = await trigger(acme.ingest);
    expect(result.incidents[0]?.title).toBe("Incident d'origine inconnue");
  });

  it("400: an unsupported language, naming the field", async () => {
    const answer = await updateAccount({ client: acme.admin, body: { language: "tlh" } });
    const problem = problemOf(answer, 400);
    expect(problem.errors).toEqual([{ field: "language", message: expect.any(String) }]);
    expect(problem.detail).toContain("language: not a supported language");
  });

  it("400: a blank name, an unknown field, or no body", async () => {
    expect(
      problemOf(await updateAccount({ client: acme.admin, body: { name: "  " } }), 400).errors,
    ).toEqual([{ field: "name", message: "must not be blank" }]);
    const unknown = await updateAccount({
      client: acme.admin,
      body: { plan: "gold" } as unknown as { name: string },
    });
    expect(problemOf(unknown, 400).errors?.[0]?.field).toBe("plan");
    const none = await raw(service, "PATCH", "/v1/account", {
      headers: { authorization: `Bearer ${acme.adminToken.secret}` },
    });
    expect(none.status).toBe(400);
  });

  it("401: no token, or an unknown one", async () => {
    const none = await raw(service, "GET", "/v1/account");
    expect(none.status).toBe(401);
    expect(none.type).toMatch(/^application\/problem\+json/);
    problemOf(await getAccount({ client: clientFor(service, "sqibs_a_nope") }), 401);
  });

  it("403: ingest tokens (global and service) cannot manage the account", async () => {
    const problem = problemOf(await getAccount({ client: acme.ingest }), 403);
    expect(problem.detail).toContain("admin");
    const patch = await updateAccount({ client: acme.ingest, body: { name: "Hijacked" } });
    problemOf(patch, 403);
  });

  it("415: a body that is not JSON", async () => {
    const answer = await raw(service, "PATCH", "/v1/account", {
      headers: {
        authorization: `Bearer ${acme.adminToken.secret}`,
        "content-type": "text/plain",
      },
      body: "name=Other",
    });
    expect(answer.status).toBe(415);
    expect(answer.type).toMatch(/^application\/problem\+json/);
  });

  it("each admin token sees its own account only", async () => {
    const other = await newAccount(service, { accountName: "Globex" });
    const { data } = await getAccount({ client: other.admin });
    expect(data).toMatchObject({ id: other.accountId, name: "Globex" });
    await updateAccount({ client: other.admin, body: { name: "Globex 2" } });
    expect((await getAccount({ client: acme.admin })).data?.name).toBe("Acme GmbH");
  });
});
