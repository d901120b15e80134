import { listApiLogs } from "@sqibs/api-client";
import { beforeAll, describe, expect, it } from "vitest";
import { appendApiLog } from "../../src/usecases/api-logs.js";

import {
  clientFor,
  newAccount,
  problemOf,
  serviceWithAccount,
  type TestAccount,
  UNKNOWN_ID,
} from "./support.js";

describe("GET /v1/api-logs", () => {
  const { service, acme } = serviceWithAccount("mgmt-api-logs");
  let globex: TestAccount;

  beforeAll(async () => {
    globex = await newAccount(service, { accountName: "Globex" });
    // What the ingest path appends for a debug token: one entry per call.
    for (const [index, account] of [acme, acme, globex, acme].entries()) {
      await appendApiLog(service.deps, {
        accountId: account.account.id,
        tokenId: index === 1 ? account.adminToken.token.id : account.globalToken.token.id,
        endpoint: "/v1/process",
        from: index === 0 ? "Prometheus" : undefined,
        contentType: index === 3 ? undefined : "application/json",
        bodySize: 100 + index,
        decisions: [
          { serviceId: account.serviceId, kind: "trigger", incidentId: UNKNOWN_ID },
          { serviceId: account.service.id, kind: "skipped", reason: "no-filter-passed" },
        ],
        status: 201,
      });
    }
  });

  it("200: the account's entries, newest first, as appended", async () => {
    const { data, response } = await listApiLogs({ client: acme.admin });
    expect(response?.status).toBe(200);
    expect(data?.items.map((entry) => entry.bodySize)).toEqual([103, 101, 100]);
    expect(data?.items[2]).toMatchObject({
      tokenId: acme.globalToken.token.id,
      endpoint: "/v1/process",
      from: "Prometheus",
      contentType: "application/json",
      status: 201,
      decisions: [
        { serviceId: acme.serviceId, kind: "trigger", incidentId: UNKNOWN_ID },
        { serviceId: acme.serviceId, kind: "skipped", reason: "no-filter-passed" },
      ],
    });
    expect(data?.items[0]?.contentType).toBeNull();
  });

  it("filters by token and pages", async () => {
    const tokenId = acme.globalToken.token.id;
    const first = await listApiLogs({ client: acme.admin, query: { tokenId, limit: 1 } });
    expect(first.data?.items.map((entry) => entry.bodySize)).toEqual([103]);
    const second = await listApiLogs({
      client: acme.admin,
      query: { tokenId, limit: 1, cursor: first.data?.nextCursor ?? "" },
    });
    expect(second.data?.items.map((entry) => entry.bodySize)).toEqual([100]);
    expect(second.data?.nextCursor).toBeUndefined();
  });

  it("never shows another account's entries", async () => {
    const { data } = await listApiLogs({ client: globex.admin });
    expect(data?.items.map((entry) => entry.bodySize)).toEqual([102]);
    const theirs = await listApiLogs({
      client: acme.admin,
      query: { tokenId: globex.globalToken.token.id },
    });
    expect(theirs.data?.items).toEqual([]);
  });

  it("400 for a malformed token filter; 401; 403", async () => {
    problemOf(await listApiLogs({ client: acme.admin, query: { tokenId: "x" } }), 400);
    problemOf(await listApiLogs({ client: clientFor(service, "") }), 401);
    problemOf(await listApiLogs({ client: acme.ingest }), 403);
  });
});
