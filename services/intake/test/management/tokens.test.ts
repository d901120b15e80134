import {
  createRequest,
  createService,
  createToken,
  getAccount,
  listTokens,
  processIncident,
  revokeToken,
} from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import {
  clientFor,
  newAccount,
  problemOf,
  raw,
  serviceWithAccount,
  trigger,
  UNKNOWN_ID,
} from "./support.js";

describe("POST/GET /v1/tokens and DELETE /v1/tokens/{tokenId}", () => {
  const { service, acme } = serviceWithAccount("mgmt-tokens");

  it("201: a service token, with its secret shown once, that ingests for its service only", async () => {
    const { data, response } = await createToken({
      client: acme.admin,
      body: { name: "alertmanager", scope: "service", serviceId: acme.serviceId },
    });
    expect(response?.status).toBe(201);
    expect(data?.token).toMatchObject({
      name: "alertmanager",
      scope: "service",
      serviceId: acme.serviceId,
      debug: false,
    });
    expect(data?.secret).toMatch(/^sqibs_s_[0-9A-Za-z]{40}$/);
    expect(data?.secret.startsWith(data?.token.prefix ?? "-")).toBe(true);
    const sender = clientFor(service, data?.secret ?? "");
    const result = await trigger(sender);
    expect(result.incidents.map((incident) => incident.serviceId)).toEqual([acme.serviceId]);
    problemOf(await createRequest({ client: sender, body: { workflowId: "w" } }), 403);
    problemOf(await getAccount({ client: sender }), 403);
  });

  it("201: global, admin and debug tokens; an admin token manages the account", async () => {
    const global = await createToken({
      client: acme.admin,
      body: { name: "grafana", scope: "global", debug: true },
    });
    expect(global.data?.token).toMatchObject({ scope: "global", debug: true });
    expect(global.data?.token).not.toHaveProperty("serviceId");
    expect((await trigger(clientFor(service, global.data?.secret ?? ""))).triggered.created).toBe(
      true,
    );

    const admin = await createToken({ client: acme.admin, body: { name: "ops", scope: "admin" } });
    expect(admin.data?.secret).toMatch(/^sqibs_a_/);
    const second = clientFor(service, admin.data?.secret ?? "");
    expect((await getAccount({ client: second })).data?.id).toBe(acme.accountId);
    problemOf(await processIncident({ client: second, body: { admin: "ingest" } }), 403);
  });

  it("400: a service token without serviceId, another scope with one, a blank name", async () => {
    const missing = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "service" } as never,
    });
    expect(problemOf(missing, 400).errors?.[0]?.field).toBe("serviceId");
    const extra = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "global", serviceId: acme.serviceId } as never,
    });
    expect(problemOf(extra, 400).errors?.[0]?.field).toBe("serviceId");
    const blank = await createToken({ client: acme.admin, body: { name: " ", scope: "global" } });
    expect(problemOf(blank, 400).errors?.[0]?.field).toBe("name");
    const scope = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "root" as "admin" },
    });
    expect(problemOf(scope, 400).errors?.[0]?.field).toBe("scope");
    const malformed = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "service", serviceId: "abc" },
    });
    expect(problemOf(malformed, 400).errors?.[0]?.field).toBe("serviceId");
  });

  it("404: a service token for a service that does not exist, or of another account", async () => {
    problemOf(
      await createToken({
        client: acme.admin,
        body: { name: "x", scope: "service", serviceId: UNKNOWN_ID },
      }),
      404,
    );
    const other = await newAccount(service, { accountName: "Globex" });
    const theirs = await createService({ client: other.admin, body: { name: "Theirs" } });
    const answer = await createToken({
      client: acme.admin,
      body: { name: "x", scope: "service", serviceId: theirs.data?.id ?? "" },
    });
    problemOf(answer, 404);
  });

  it("200: lists every token of the account, never a secret or a hash", async () => {
    const answer = await raw(service, "GET", "/v1/tokens", {
      headers: { authorization: `Bearer ${acme.adminToken.secret}` },
    });
    expect(answer.status).toBe(200);
    const text = JSON.stringify(answer.json);
    for (const secret of [acme.adminToken.secret, acme.globalToken.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(13));
    }
    expect(text).not.toMatch(/hash/i);
    const { data } = await listTokens({ client: acme.admin });
    expect(data?.items.map((token) => token.name)).toEqual([
      "global",
      "admin",
      "alertmanager",
      "grafana",
      "ops",
    ]);
    for (const token of data?.items ?? []) {
      expect(Object.keys(token).sort()).toEqual(
        expect.arrayContaining(["createdAt", "debug", "id", "name", "prefix", "scope"]),
      );
    }
  });

  it("lastUsedAt shows the last authenticated call", async () => {
    const issued = await createToken({
      client: acme.admin,
      body: { name: "fresh", scope: "global" },
    });
    const listed = async () =>
      (await listTokens({ client: acme.admin })).data?.items.find(
        (token) => token.id === issued.data?.token.id,
      );
    expect((await listed())?.lastUsedAt).toBeUndefined();
    const before = Date.now();
    await trigger(clientFor(service, issued.data?.secret ?? ""));
    const used = Date.parse((await listed())?.lastUsedAt ?? "");
    expect(used).toBeGreaterThanOrEqual(before - 1000);
  });

  it("204: revocation takes effect on the very next request", async () => {
    const issued = await createToken({
      client: acme.admin,
      body: { name: "leaked", scope: "global" },
    });
    const sender = clientFor(service, issued.data?.secret ?? "");
    expect((await trigger(sender)).triggered.created).toBe(true);
    const revoked = await revokeToken({
      client: acme.admin,
      path: { tokenId: issued.data?.token.id ?? "" },
    });
    expect(revoked.response?.status).toBe(204);
    const next = await processIncident({ client: sender, body: { after: "revoke" } });
    expect(problemOf(next, 401).detail).toMatch(/revoked/);
    expect(next.response?.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const listed = await listTokens({ client: acme.admin });
    const shown = listed.data?.items.find((token) => token.id === issued.data?.token.id);
    expect(shown?.revokedAt).toBeDefined();
  });

  it("204 again for a revoked token; 404 for an unknown or malformed id", async () => {
    const issued = await createToken({
      client: acme.admin,
      body: { name: "twice", scope: "global" },
    });
    const path = { tokenId: issued.data?.token.id ?? "" };
    expect((await revokeToken({ client: acme.admin, path })).response?.status).toBe(204);
    expect((await revokeToken({ client: acme.admin, path })).response?.status).toBe(204);
    problemOf(await revokeToken({ client: acme.admin, path: { tokenId: UNKNOWN_ID } }), 404);
    problemOf(await revokeToken({ client: acme.admin, path: { tokenId: "zzz" } }), 404);
  });

  it("an admin token that revokes itself is refused on its next call", async () => {
    const issued = await createToken({
      client: acme.admin,
      body: { name: "self", scope: "admin" },
    });
    const self = clientFor(service, issued.data?.secret ?? "");
    const path = { tokenId: issued.data?.token.id ?? "" };
    expect((await revokeToken({ client: self, path })).response?.status).toBe(204);
    problemOf(await listTokens({ client: self }), 401);
  });

  it("401 and 403 on every operation; 415 for a non-JSON body", async () => {
    const anonymous = clientFor(service, "");
    const path = { tokenId: acme.globalToken.token.id };
    for (const [client, status] of [
      [anonymous, 401],
      [acme.ingest, 403],
    ] as const) {
      problemOf(await listTokens({ client }), status);
      problemOf(await createToken({ client, body: { name: "x", scope: "admin" } }), status);
      problemOf(await revokeToken({ client, path }), status);
    }
    expect((await trigger(acme.ingest)).triggered.created).toBe(true);
    const form = await raw(service, "POST", "/v1/tokens", {
      headers: {
        authorization: `Bearer ${acme.adminToken.secret}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "name=x&scope=admin",
    });
    expect(form.status).toBe(415);
  });
});
