import { rotateToken } from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import { clientFor, raw, serviceWithAccount } from "./support.js";

/**
 * Regression (issue 15, schemathesis' "schema-violating request accepted"): JSON bodies were
 * coerced to their schemas' types, so `null` became 0 (a rotation that ended the old secret at
 * once, retry de-duplication turned off), "" became null (a key removed) and `false` "false".
 * A body of the wrong type is now a 400 that changes nothing.
 */
describe("JSON bodies are validated as sent, never coerced", () => {
  const { service, acme } = serviceWithAccount("mgmt-nocoerce");
  const headers = () => ({
    authorization: `Bearer ${acme.adminToken.secret}`,
    "content-type": "application/json",
  });
  const send = (method: string, path: string, body: unknown) =>
    raw(service, method, path, { headers: headers(), body: JSON.stringify(body) });

  it("rotate with graceSeconds null: 400, and the old secret still works", async () => {
    const tokenId = acme.globalToken.token.id;
    const answer = await send("POST", `/v1/tokens/${tokenId}/rotate`, { graceSeconds: null });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ errors: [{ field: "graceSeconds" }] });
    const still = await rotateToken({
      client: clientFor(service, acme.adminToken.secret),
      path: { tokenId: acme.adminToken.token.id },
      body: { graceSeconds: 60 },
    });
    expect(still.response?.status).toBe(200);
  });

  it('PATCH a service with descriptionKey "": 400, and the key is kept', async () => {
    const path = `/v1/services/${acme.serviceId}`;
    expect((await send("PATCH", path, { descriptionKey: "summary" })).status).toBe(200);
    const answer = await send("PATCH", path, { descriptionKey: "" });
    expect(answer.status).toBe(400);
    const shown = await raw(service, "GET", path, { headers: headers() });
    expect(shown.json).toMatchObject({ descriptionKey: "summary" });
  });

  it("PUT a filter with duplicateWindowSeconds null: 400, nothing saved", async () => {
    const path = `/v1/services/${acme.serviceId}/filter`;
    const answer = await send("PUT", path, { triggers: [], duplicateWindowSeconds: null });
    expect(answer.status).toBe(400);
    const shown = await raw(service, "GET", `/v1/services/${acme.serviceId}`, {
      headers: headers(),
    });
    expect(shown.json).not.toHaveProperty("filter");
  });

  it("PATCH the account with name false: 400, the name unchanged", async () => {
    expect((await send("PATCH", "/v1/account", { name: false })).status).toBe(400);
    const shown = await raw(service, "GET", "/v1/account", { headers: headers() });
    expect(shown.json).toMatchObject({ name: "Acme" });
  });

  it("a query parameter is still read as its type (limit=5)", async () => {
    const page = await raw(service, "GET", "/v1/incidents?limit=5", { headers: headers() });
    expect(page.status).toBe(200);
  });
});
