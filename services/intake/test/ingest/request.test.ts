import { defaultTitle } from "@sqibs/i18n";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/usecases/tokens.js";
import { startTestService, type TestService } from "../harness.js";
import { bearer, post } from "./support.js";

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
});
