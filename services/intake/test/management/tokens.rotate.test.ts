import {
  createToken,
  listTokens,
  processIncident,
  revokeToken,
  rotateToken,
} from "@sqibs/api-client";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, newAccount, problemOf, serviceWithAccount, UNKNOWN_ID } from "./support.js";

describe("POST /v1/tokens/{tokenId}/rotate", () => {
  const { service, acme } = serviceWithAccount("mgmt-rotate");
  const realClock = () => new Date();

  /** Moves the service's clock (the one that decides when a grace period ends). */
  function advanceClock(seconds: number) {
    service.deps.clock = () => new Date(Date.now() + seconds * 1000);
  }

  async function status(secret: string): Promise<number> {
    const answer = await processIncident({
      client: clientFor(service, secret),
      body: { probe: Math.random() },
    });
    return answer.response?.status ?? 0;
  }

  async function issue(name: string) {
    const { data } = await createToken({ client: acme.admin, body: { name, scope: "global" } });
    if (!data) throw new Error("token not created");
    return data;
  }

  afterEach(() => {
    service.deps.clock = realClock;
  });

  it("200: a new secret; both work inside the grace period, only the new one after it", async () => {
    const old = await issue("prometheus");
    const { data, response } = await rotateToken({
      client: acme.admin,
      path: { tokenId: old.token.id },
      body: { graceSeconds: 1 },
    });
    expect(response?.status).toBe(200);
    const rotated = data?.secret ?? "";
    expect(rotated).not.toBe(old.secret);
    expect(data?.token).toMatchObject({ id: old.token.id, scope: "global" });
    expect(data?.token.prefix).toBe(rotated.slice(0, data?.token.prefix.length));

    expect(await status(old.secret)).toBe(201);
    expect(await status(rotated)).toBe(201);

    advanceClock(2);
    expect(await status(old.secret)).toBe(401);
    expect(await status(rotated)).toBe(201);
  });

  it("the grace period is 24 hours by default", async () => {
    const old = await issue("grafana");
    const { data } = await rotateToken({ client: acme.admin, path: { tokenId: old.token.id } });
    advanceClock(86_400 - 60);
    expect(await status(old.secret)).toBe(201);
    advanceClock(86_400 + 1);
    expect(await status(old.secret)).toBe(401);
    expect(await status(data?.secret ?? "")).toBe(201);
  });

  it("graceSeconds 0 ends the old secret at once", async () => {
    const old = await issue("leaked");
    const { data } = await rotateToken({
      client: acme.admin,
      path: { tokenId: old.token.id },
      body: { graceSeconds: 0 },
    });
    expect(await status(old.secret)).toBe(401);
    expect(await status(data?.secret ?? "")).toBe(201);
  });

  it("a second rotation shortens, never extends, the older secrets' grace", async () => {
    const first = await issue("twice");
    const second = await rotateToken({
      client: acme.admin,
      path: { tokenId: first.token.id },
      body: { graceSeconds: 3600 },
    });
    const third = await rotateToken({
      client: acme.admin,
      path: { tokenId: first.token.id },
      body: { graceSeconds: 60 },
    });
    advanceClock(120);
    expect(await status(first.secret)).toBe(401);
    expect(await status(second.data?.secret ?? "")).toBe(401);
    expect(await status(third.data?.secret ?? "")).toBe(201);
  });

  it("revoking a rotated token ends every secret at once", async () => {
    const old = await issue("both");
    const { data } = await rotateToken({ client: acme.admin, path: { tokenId: old.token.id } });
    await revokeToken({ client: acme.admin, path: { tokenId: old.token.id } });
    expect(await status(old.secret)).toBe(401);
    expect(await status(data?.secret ?? "")).toBe(401);
  });

  it("409: a revoked token cannot be rotated", async () => {
    const old = await issue("gone");
    await revokeToken({ client: acme.admin, path: { tokenId: old.token.id } });
    const answer = await rotateToken({ client: acme.admin, path: { tokenId: old.token.id } });
    expect(problemOf(answer, 409).detail).toMatch(/revoked/);
  });

  it("400: a grace period out of 0..30 days", async () => {
    const old = await issue("bounds");
    for (const graceSeconds of [-1, 30 * 86_400 + 1, 1.5]) {
      const answer = await rotateToken({
        client: acme.admin,
        path: { tokenId: old.token.id },
        body: { graceSeconds },
      });
      expect(problemOf(answer, 400).errors?.[0]?.field).toBe("graceSeconds");
    }
  });

  it("404 for unknown, malformed and other accounts' tokens; 401; 403", async () => {
    problemOf(await rotateToken({ client: acme.admin, path: { tokenId: UNKNOWN_ID } }), 404);
    problemOf(await rotateToken({ client: acme.admin, path: { tokenId: "x" } }), 404);
    const other = await newAccount(service, { accountName: "Globex" });
    const theirs = other.globalToken.token.id;
    problemOf(await rotateToken({ client: acme.admin, path: { tokenId: theirs } }), 404);
    const path = { tokenId: acme.globalToken.token.id };
    problemOf(await rotateToken({ client: clientFor(service, ""), path }), 401);
    problemOf(await rotateToken({ client: acme.ingest, path }), 403);
    const listed = await listTokens({ client: acme.admin });
    const global = listed.data?.items.find((token) => token.id === path.tokenId);
    expect(global?.prefix).toBe(acme.globalToken.token.prefix);
  });
});
