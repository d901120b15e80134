import {
  createService,
  createTeam,
  createToken,
  createWebhook,
  deleteService,
  deleteWebhook,
  revokeToken,
} from "@sqibs/api-client";
import { describe, expect, it } from "vitest";
import { newAccount, problemOf, serviceWithAccount } from "./support.js";

describe("per-account caps (MAX_SERVICES_PER_ACCOUNT, MAX_TOKENS_PER_ACCOUNT, MAX_TEAMS_PER_ACCOUNT, MAX_WEBHOOKS_PER_ACCOUNT)", () => {
  const { service, acme } = serviceWithAccount("mgmt-caps", {
    MAX_SERVICES_PER_ACCOUNT: 3,
    MAX_TOKENS_PER_ACCOUNT: 4,
    MAX_TEAMS_PER_ACCOUNT: 2,
    MAX_WEBHOOKS_PER_ACCOUNT: 2,
  });

  it("409 once the account holds its services, even for creations at the same moment; a deletion makes room", async () => {
    // The account has its default service: 2 more fit, 10 asked for at once.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        createService({ client: acme.admin, body: { name: `svc ${n}` } }),
      ),
    );
    const created = answers.filter((answer) => answer.response?.status === 201);
    expect(created).toHaveLength(2);
    for (const refused of answers.filter((answer) => answer.response?.status !== 201)) {
      const problem = problemOf(refused, 409);
      expect(problem).toMatchObject({ type: "/problems/account-limit-reached", limit: "services" });
      expect(problem.detail).toContain("MAX_SERVICES_PER_ACCOUNT");
    }
    await deleteService({ client: acme.admin, path: { serviceId: created[0]?.data?.id ?? "" } });
    const again = await createService({ client: acme.admin, body: { name: "after" } });
    expect(again.response?.status).toBe(201);
  });

  it("409 once the account holds its live tokens; a revoked one does not count", async () => {
    // The account has its global and admin tokens: 2 more fit.
    const first = await createToken({ client: acme.admin, body: { name: "a", scope: "global" } });
    await createToken({ client: acme.admin, body: { name: "b", scope: "global" } });
    const refused = await createToken({
      client: acme.admin,
      body: { name: "c", scope: "global" },
    });
    expect(problemOf(refused, 409)).toMatchObject({ limit: "tokens" });
    await revokeToken({ client: acme.admin, path: { tokenId: first.data?.token.id ?? "" } });
    const again = await createToken({ client: acme.admin, body: { name: "c", scope: "global" } });
    expect(again.response?.status).toBe(201);
  });

  it("409 once the account holds its teams (its default team counts)", async () => {
    const first = await createTeam({ client: acme.admin, body: { name: "Platform" } });
    expect(first.response?.status).toBe(201);
    const refused = await createTeam({ client: acme.admin, body: { name: "SRE" } });
    const problem = problemOf(refused, 409);
    expect(problem).toMatchObject({ limit: "teams" });
    expect(problem.detail).toContain("MAX_TEAMS_PER_ACCOUNT");
  });

  it("409 once the account holds its webhooks; a deletion makes room", async () => {
    const body = {
      scope: "global" as const,
      url: "https://hooks.example.com/sqibs",
      events: ["incident.triggered" as const],
    };
    const first = await createWebhook({ client: acme.admin, body });
    await createWebhook({ client: acme.admin, body });
    const refused = await createWebhook({ client: acme.admin, body });
    expect(problemOf(refused, 409)).toMatchObject({ limit: "webhooks" });
    const webhookId = first.data?.webhook.id ?? "";
    await deleteWebhook({ client: acme.admin, path: { webhookId } });
    expect((await createWebhook({ client: acme.admin, body })).response?.status).toBe(201);
  });

  it("counts per account: another account has its own", async () => {
    const globex = await newAccount(service, { accountName: "Globex" });
    const answer = await createService({ client: globex.admin, body: { name: "theirs" } });
    expect(answer.response?.status).toBe(201);
  });
});
