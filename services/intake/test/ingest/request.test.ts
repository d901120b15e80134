import { defaultTitle } from "@sqibs/i18n";
import { ObjectId } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/usecases/tokens.js";
import { startTestService, type TestService } from "../harness.js";
import { raw } from "../management/support.js";
import { bearer, post, storedBytes } from "./support.js";

describe("POST /v1/request", () => {
  let service: TestService;
  let account: Awaited<ReturnType<TestService["account"]>>;

  beforeAll(async () => {
    service = await startTestService("request");
    account = await service.account();
  });
  afterAll(() => service.close());

  it("creates a request titled 'Request from <from>' with the whole payload as description", async () => {
    const body = JSON.stringify({ workflowId: "wf-onboarding", user: "ana@example.com" });
    const response = await post(service, {
      path: "/v1/request",
      query: { from: "Jira" },
      body,
      headers: { "content-type": "application/json", ...bearer(account.globalToken.secret) },
    });
    expect(response.status).toBe(201);
    expect(response.json.request).toMatchObject({
      title: "Request from Jira",
      description: body,
      workflowId: "wf-onboarding",
      source: "Jira",
    });
    expect(response.json.id).toBe(response.json.request.id);
  });

  it("titles 'Request from unknown source' without from, also under /sqibs-api", async () => {
    const response = await post(service, {
      path: "/sqibs-api/v1/request",
      query: { token: account.globalToken.secret },
      body: "please reset my password",
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(201);
    expect(response.json.request.title).toBe("Request from unknown source");
    expect(response.json.request.description).toBe("please reset my password");
    expect(response.json.request.workflowId).toBeUndefined();
  });

  it("writes the title in the account's language", async () => {
    const german = await service.account({ accountName: "GmbH", language: "de" });
    const response = await post(service, {
      path: "/v1/request",
      query: { from: "Jira" },
      body: "x",
      headers: bearer(german.globalToken.secret),
    });
    expect(response.json.request.title).toBe(defaultTitle("de", "request", "Jira"));
  });

  it("answers 403 problem+json to a service token", async () => {
    const { secret } = await issueToken(service.deps, {
      accountId: account.account.id,
      name: "svc",
      scope: "service",
      serviceId: account.service.id,
    });
    const response = await post(service, {
      path: "/v1/request",
      body: "x",
      headers: bearer(secret),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(response.json.detail).toContain("global");
  });

  describe("stores the payload once: not again as the description, nor in the stored answer", () => {
    const send = (body: string | Uint8Array, contentType: string) =>
      post(service, {
        path: "/v1/request",
        query: { from: "Jira" },
        body,
        headers: { "content-type": contentType, ...bearer(account.globalToken.secret) },
      });
    const collection = (name: string) => service.deps.repositories.database.db.collection(name);
    const read = async (path: string) => {
      const answer = await raw(service, "GET", path, {
        headers: bearer(account.adminToken.secret),
      });
      expect(answer.status).toBe(200);
      return answer.json as { description: string; items: Array<{ id: string }> };
    };

    it("answers, replays, shows and lists the request as before", async () => {
      const body = JSON.stringify({ workflowId: "wf-7", note: "x".repeat(5_000) });
      const first = await send(body, "application/json");
      expect(first.status).toBe(201);
      const { id, createdAt } = first.json.request;
      // The answer's bytes, field by field in the order the API has always sent them.
      expect(first.text).toBe(
        JSON.stringify({
          id,
          request: {
            id,
            title: "Request from Jira",
            description: body,
            workflowId: "wf-7",
            source: "Jira",
            createdAt,
          },
        }),
      );

      const stored = await collection("requests").findOne({ _id: new ObjectId(id) });
      expect(stored).not.toHaveProperty("description");
      expect(storedBytes(stored).toString("utf8")).toBe(body);
      const answers = await collection("delivery_answers").find({}).toArray();
      const ours = answers.filter((answer) => String(answer.response).includes(id));
      expect(ours).toHaveLength(1);
      expect(String(ours[0]?.response)).not.toContain("x".repeat(100));

      const retry = await send(body, "application/json");
      expect(retry.status).toBe(201);
      expect(retry.text).toBe(JSON.stringify({ ...first.json, replayed: true }));

      expect((await read(`/v1/requests/${id}`)).description).toBe(body);
      const listed = (await read("/v1/requests?limit=100")).items.find((item) => item.id === id);
      expect(listed).toMatchObject({ id, description: body, workflowId: "wf-7" });
    });

    it("reads the description back by the payload's charset, the bytes kept as sent", async () => {
      const bytes = Buffer.from("caf\xe9: reset the password", "latin1");
      const first = await send(bytes, "text/plain; charset=iso-8859-1");
      expect(first.status).toBe(201);
      expect(first.json.request.description).toBe("café: reset the password");
      const { id } = first.json.request;
      const stored = await collection("requests").findOne({ _id: new ObjectId(id) });
      expect(stored).not.toHaveProperty("description");
      expect(storedBytes(stored).equals(bytes)).toBe(true);

      const retry = await send(bytes, "text/plain; charset=iso-8859-1");
      expect(retry.json).toEqual({ ...first.json, replayed: true });
      expect((await read(`/v1/requests/${id}`)).description).toBe("café: reset the password");
    });
  });
});
