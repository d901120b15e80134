import { getAccount, processIncident, updateAccount, updateToken } from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import { problemOf, serviceWithAccount } from "./support.js";

describe("a token's and an account's own rate limit, set through the management API", () => {
  const { acme } = serviceWithAccount("mgmt-ratelimits", {
    RATE_LIMIT_PER_MINUTE: 100,
    ACCOUNT_RATE_LIMIT_PER_MINUTE: 0,
  });

  const send = (n: number) => processIncident({ client: acme.ingest, body: { limited: n } });

  it("PATCH /v1/tokens/{tokenId} sets it (shown on the token), 429 past it, null gives the default back", async () => {
    const path = { tokenId: acme.globalToken.token.id };
    const set = await updateToken({ client: acme.admin, path, body: { rateLimitPerMinute: 2 } });
    expect(set.data?.rateLimitPerMinute).toBe(2);
    expect((await send(1)).response?.status).toBe(201);
    expect((await send(2)).response?.status).toBe(201);
    const limited = problemOf(await send(3), 429);
    expect(limited).toMatchObject({ limit: "token" });
    expect(limited.detail).toContain("2 requests per minute");

    const reset = await updateToken({
      client: acme.admin,
      path,
      body: { rateLimitPerMinute: null },
    });
    expect(reset.data).not.toHaveProperty("rateLimitPerMinute");
    expect((await send(4)).response?.status).toBe(201);
  });

  it("422 above the operator's default (the API tightens a limit, never loosens it)", async () => {
    const path = { tokenId: acme.globalToken.token.id };
    const above = await updateToken({
      client: acme.admin,
      path,
      body: { rateLimitPerMinute: 101 },
    });
    expect(problemOf(above, 422)).toMatchObject({
      errors: [{ field: "rateLimitPerMinute", message: "at most 100" }],
    });
    const at = await updateToken({ client: acme.admin, path, body: { rateLimitPerMinute: 100 } });
    expect(at.data?.rateLimitPerMinute).toBe(100);
  });

  it("PATCH /v1/account sets the account's (any value while the operator sets none)", async () => {
    const set = await updateAccount({ client: acme.admin, body: { rateLimitPerMinute: 5_000 } });
    expect(set.data?.rateLimitPerMinute).toBe(5_000);
    expect((await getAccount({ client: acme.admin })).data?.rateLimitPerMinute).toBe(5_000);
    const reset = await updateAccount({ client: acme.admin, body: { rateLimitPerMinute: null } });
    expect(reset.data).not.toHaveProperty("rateLimitPerMinute");
  });

  it("400 for what the schema refuses: 0, a negative or a fraction", async () => {
    const path = { tokenId: acme.globalToken.token.id };
    for (const rateLimitPerMinute of [0, -1, 1.5]) {
      problemOf(await updateToken({ client: acme.admin, path, body: { rateLimitPerMinute } }), 400);
    }
  });
});
