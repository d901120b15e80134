import {
  createTeam,
  createWebhook,
  deleteService,
  deleteTeam,
  deleteWebhook,
  getWebhook,
  listWebhookDeliveries,
  listWebhooks,
  redeliverWebhookDelivery,
  updateWebhook,
} from "@sqibs/api-client";
import { formatIp, REFUSED_IPV4_RANGES, REFUSED_IPV6_RANGES } from "@sqibs/webhooks";
import { describe, expect, it } from "vitest";
import {
  newAccount,
  problemOf,
  raw,
  serviceWithAccount,
  UNKNOWN_ID,
} from "../management/support.js";

// /v1/webhooks as an admin manages them (docs/webhooks.md "Set-up"), with the default policy:
// https only, no address range opened.

const EVENTS = ["incident.triggered", "incident.resolved"] as const;

describe("/v1/webhooks", () => {
  const { service, acme } = serviceWithAccount("webhooks-crud");

  it("201: a webhook and its whsec_ secret, shown this once; never again after", async () => {
    const { data, response } = await createWebhook({
      client: acme.admin,
      body: { scope: "global", url: "https://hooks.example.com/sqibs", events: [...EVENTS] },
    });
    expect(response?.status).toBe(201);
    expect(data?.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(data?.webhook).toMatchObject({
      scope: "global",
      url: "https://hooks.example.com/sqibs",
      events: [...EVENTS],
      format: "json",
      enabled: true,
      secretPrefix: data?.secret.slice(0, 10),
    });
    const id = data?.webhook.id ?? "";
    for (const answer of [
      await raw(service, "GET", `/v1/webhooks/${id}`, {
        headers: { authorization: `Bearer ${acme.adminToken.secret}` },
      }),
      await raw(service, "GET", "/v1/webhooks", {
        headers: { authorization: `Bearer ${acme.adminToken.secret}` },
      }),
    ]) {
      expect(answer.status).toBe(200);
      expect(JSON.stringify(answer.json)).not.toContain(data?.secret.slice(10));
    }
    const { data: list } = await listWebhooks({ client: acme.admin });
    expect(list?.items.map((webhook) => webhook.id)).toContain(id);
  });

  it("200: changes events, format, workflowId (null removes it), enabled; 204: deletes", async () => {
    const { data } = await createWebhook({
      client: acme.admin,
      body: {
        scope: "global",
        url: "https://hooks.example.com/a",
        events: ["request.created"],
        workflowId: "restart",
      },
    });
    const webhookId = data?.webhook.id ?? "";
    const changed = await updateWebhook({
      client: acme.admin,
      path: { webhookId },
      body: {
        events: ["request.created", "incident.triggered"],
        format: "slack",
        workflowId: null,
        enabled: false,
        url: "https://hooks.example.com/b",
      },
    });
    expect(changed.data).toMatchObject({
      events: ["request.created", "incident.triggered"],
      format: "slack",
      enabled: false,
      url: "https://hooks.example.com/b",
    });
    expect(changed.data).not.toHaveProperty("workflowId");
    // The answer is the webhook as stored.
    expect((await getWebhook({ client: acme.admin, path: { webhookId } })).data).toEqual(
      changed.data,
    );
    expect(
      (await deleteWebhook({ client: acme.admin, path: { webhookId } })).response?.status,
    ).toBe(204);
    problemOf(await getWebhook({ client: acme.admin, path: { webhookId } }), 404);
  });

  it("400: a team webhook without teamId, a global one with one; 404: a team or service of no one", async () => {
    const url = "https://hooks.example.com/x";
    const missing = await createWebhook({
      client: acme.admin,
      body: { scope: "team", url, events: [...EVENTS] } as never,
    });
    expect(problemOf(missing, 400).errors?.[0]?.field).toBe("teamId");
    const extra = await createWebhook({
      client: acme.admin,
      body: { scope: "global", serviceId: acme.serviceId, url, events: [...EVENTS] } as never,
    });
    expect(problemOf(extra, 400).errors?.[0]?.field).toBe("serviceId");
    for (const body of [
      { scope: "team" as const, teamId: UNKNOWN_ID },
      { scope: "service" as const, serviceId: UNKNOWN_ID },
    ]) {
      problemOf(
        await createWebhook({ client: acme.admin, body: { ...body, url, events: [...EVENTS] } }),
        404,
      );
    }
  });

  it("deletes a team's and a service's webhooks with them", async () => {
    const team = (await createTeam({ client: acme.admin, body: { name: "Gone" } })).data;
    const url = "https://hooks.example.com/scoped";
    const teamHook = await createWebhook({
      client: acme.admin,
      body: { scope: "team", teamId: team?.id ?? "", url, events: [...EVENTS] },
    });
    const serviceHook = await createWebhook({
      client: acme.admin,
      body: { scope: "service", serviceId: acme.serviceId, url, events: [...EVENTS] },
    });
    await deleteTeam({ client: acme.admin, path: { teamId: team?.id ?? "" } });
    await deleteService({ client: acme.admin, path: { serviceId: acme.serviceId } });
    for (const hook of [teamHook, serviceHook]) {
      const webhookId = hook.data?.webhook.id ?? "";
      problemOf(await getWebhook({ client: acme.admin, path: { webhookId } }), 404);
    }
  });

  it("404: a webhook or delivery of another account, unknown, or malformed", async () => {
    const other = await newAccount(service, { accountName: "Other" });
    const theirs = await createWebhook({
      client: other.admin,
      body: { scope: "global", url: "https://hooks.example.com/o", events: [...EVENTS] },
    });
    const webhookId = theirs.data?.webhook.id ?? "";
    for (const id of [webhookId, UNKNOWN_ID, "nope"]) {
      problemOf(await getWebhook({ client: acme.admin, path: { webhookId: id } }), 404);
      problemOf(await listWebhookDeliveries({ client: acme.admin, path: { webhookId: id } }), 404);
    }
    problemOf(
      await redeliverWebhookDelivery({
        client: other.admin,
        path: { webhookId, deliveryId: UNKNOWN_ID },
      }),
      404,
    );
  });
});

// Issue 13: every refused address range is a 400 problem+json at creation (and on change),
// typed apart from a request that breaks the schema so a client can tell the two apart.
const REFUSED_URL = {
  status: 400,
  title: "Webhook URL refused",
  type: "/problems/webhook-url-refused",
};

describe("the address policy at creation (400 problem+json for each refused range)", () => {
  const { service, acme } = serviceWithAccount("webhooks-ranges");

  /** An address inside the range: its network address plus one (the range itself for a /32). */
  function inside(range: (typeof REFUSED_IPV4_RANGES)[number]): string {
    const bits = range.version === 4 ? 32 : 128;
    const value = range.prefixLength === bits ? range.network : range.network + 1n;
    const text = formatIp({ version: range.version, value });
    return range.version === 6 ? `[${text}]` : text;
  }

  const ranges = [...REFUSED_IPV4_RANGES, ...REFUSED_IPV6_RANGES];

  it.each(ranges.map((range) => [range.text, range.name, range] as const))(
    "refuses %s (%s)",
    async (_text, _name, range) => {
      const address = inside(range);
      const answer = await createWebhook({
        client: acme.admin,
        body: { scope: "global", url: `https://${address}/hook`, events: [...EVENTS] },
      });
      const problem = problemOf(answer, 400);
      expect(problem).toMatchObject(REFUSED_URL);
      expect(problem.errors).toEqual([{ field: "url", message: expect.any(String) }]);
      expect(problem.detail).toContain(`is in ${range.text}`);
      expect(problem.detail).toContain("WEBHOOK_ALLOWED_CIDRS");
    },
  );

  it("stores nothing for a refused URL: the list stays empty", async () => {
    const fresh = await newAccount(service);
    for (const url of [
      "https://10.0.0.1/hook",
      "https://[fd00::1]/hook",
      "http://hooks.example.com/",
    ]) {
      const answer = await createWebhook({
        client: fresh.admin,
        body: { scope: "global", url, events: [...EVENTS] },
      });
      expect(problemOf(answer, 400), url).toMatchObject(REFUSED_URL);
    }
    const { data, response } = await listWebhooks({ client: fresh.admin });
    expect(response?.status).toBe(200);
    expect(data?.items).toEqual([]);
  });

  it("refuses localhost, plain http (unless allowed) and blocked ports (400, the policy's type); other schemes break the schema (400, invalid-request)", async () => {
    const cases = {
      "https://localhost:8443/": /localhost always resolves to loopback/,
      "https://api.localhost/": /always resolves to loopback/,
      "http://hooks.example.com/": /WEBHOOK_ALLOW_HTTP/,
      "https://hooks.example.com:25/": /Port 25/,
      "https://[::ffff:169.254.169.254]/": /carries the IPv4 address 169\.254\.169\.254/,
    };
    for (const [url, reason] of Object.entries(cases)) {
      const answer = await createWebhook({
        client: acme.admin,
        body: { scope: "global", url, events: [...EVENTS] },
      });
      const problem = problemOf(answer, 400);
      expect(problem, url).toMatchObject(REFUSED_URL);
      expect(problem.detail, url).toMatch(reason);
    }
    const ftp = await createWebhook({
      client: acme.admin,
      body: { scope: "global", url: "ftp://hooks.example.com/", events: [...EVENTS] },
    });
    const invalid = problemOf(ftp, 400);
    expect(invalid.type).toBe("/problems/invalid-request");
    expect(invalid.errors?.[0]?.field).toBe("url");
  });

  it("checks a PATCH the same way: 400 naming the range, and the webhook keeps its URL", async () => {
    const { data } = await createWebhook({
      client: acme.admin,
      body: { scope: "global", url: "https://hooks.example.com/ok", events: [...EVENTS] },
    });
    const webhookId = data?.webhook.id ?? "";
    const patched = await updateWebhook({
      client: acme.admin,
      path: { webhookId },
      body: { url: "https://10.0.0.1/" },
    });
    const problem = problemOf(patched, 400);
    expect(problem).toMatchObject(REFUSED_URL);
    expect(problem.errors).toEqual([{ field: "url", message: expect.any(String) }]);
    expect(problem.detail).toContain("is in 10.0.0.0/8");
    expect(problem.detail).toContain("WEBHOOK_ALLOWED_CIDRS");
    const { data: unchanged } = await getWebhook({ client: acme.admin, path: { webhookId } });
    expect(unchanged?.url).toBe("https://hooks.example.com/ok");
  });
});
