import { createRequest, getRequest, listRequests } from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { clientFor, newAccount, problemOf, serviceWithAccount, UNKNOWN_ID } from "./support.js";

describe("GET /v1/requests and /v1/requests/{requestId}", () => {
  const { service, acme } = serviceWithAccount("mgmt-requests");
  const ids: string[] = [];

  beforeAll(async () => {
    for (const [index, from] of ["Jira", "ServiceNow", "Jira", "Forms", "Jira"].entries()) {
      const { data } = await createRequest({
        client: acme.ingest,
        query: { from },
        body: { workflowId: `wf-${index}`, user: "ana@example.com" },
      });
      ids.push(data?.id ?? "");
    }
  });

  it("200: lists requests newest first, without payloads", async () => {
    const { data, response } = await listRequests({ client: acme.admin });
    expect(response?.status).toBe(200);
    expect(data?.items.map((item) => item.id)).toEqual([...ids].reverse());
    expect(data?.items[0]).toMatchObject({
      title: "Request from Jira",
      workflowId: "wf-4",
      source: "Jira",
    });
    expect(data?.items[0]).not.toHaveProperty("payload");
    expect(data?.nextCursor).toBeUndefined();
  });

  it("pages with limit and cursor", async () => {
    const first = await listRequests({ client: acme.admin, query: { limit: 2 } });
    expect(first.data?.items).toHaveLength(2);
    const second = await listRequests({
      client: acme.admin,
      query: { limit: 2, cursor: first.data?.nextCursor ?? "" },
    });
    const third = await listRequests({
      client: acme.admin,
      query: { limit: 2, cursor: second.data?.nextCursor ?? "" },
    });
    expect(third.data?.nextCursor).toBeUndefined();
    const seen = [first, second, third].flatMap((page) => page.data?.items ?? []);
    expect(seen.map((item) => item.id)).toEqual([...ids].reverse());
  });

  it("200: shows one request with its raw payload", async () => {
    const { data } = await getRequest({ client: acme.admin, path: { requestId: ids[1] ?? "" } });
    expect(data).toMatchObject({
      id: ids[1],
      title: "Request from ServiceNow",
      workflowId: "wf-1",
      payload: { contentType: "application/json" },
    });
    expect(JSON.parse(data?.payload.body ?? "")).toEqual({
      workflowId: "wf-1",
      user: "ana@example.com",
    });
    expect(Buffer.from(data?.payload.bodyBase64 ?? "", "base64").toString()).toBe(
      data?.payload.body,
    );
  });

  it("404: unknown, malformed, and another account's request", async () => {
    problemOf(await getRequest({ client: acme.admin, path: { requestId: UNKNOWN_ID } }), 404);
    problemOf(await getRequest({ client: acme.admin, path: { requestId: "r-1" } }), 404);
    const other = await newAccount(service, { accountName: "Globex" });
    problemOf(await getRequest({ client: other.admin, path: { requestId: ids[0] ?? "" } }), 404);
    expect((await listRequests({ client: other.admin })).data?.items).toEqual([]);
  });

  it("400: limit and cursor out of bounds", async () => {
    problemOf(await listRequests({ client: acme.admin, query: { limit: 0 } }), 400);
    problemOf(await listRequests({ client: acme.admin, query: { cursor: "bogus" } }), 400);
  });

  it("401 and 403", async () => {
    const path = { requestId: ids[0] ?? "" };
    for (const [client, status] of [
      [clientFor(service, ""), 401],
      [acme.ingest, 403],
    ] as const) {
      problemOf(await listRequests({ client }), status);
      problemOf(await getRequest({ client, path }), status);
    }
  });
});
