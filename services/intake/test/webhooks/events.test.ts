import { readFileSync } from "node:fs";
import {
  acknowledgeIncident,
  createRequest,
  createService,
  createTeam,
  processIncident,
  resolveIncident,
  testWebhook,
  unacknowledgeIncident,
} from "@sqibs/api-client";
import { type Received, type Receiver, startReceiver } from "@sqibs/testing";
import { SUBSCRIBABLE_EVENT_TYPES } from "@sqibs/webhooks";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSweeper } from "../../src/jobs/sweeper.js";
import { announceOpened } from "../../src/usecases/outbox.js";
import type { TestService } from "../harness.js";
import { newAccount, type TestAccount, trigger } from "../management/support.js";
import {
  deliveriesOf,
  type Envelope,
  expectMatchesSpec,
  newWebhook,
  receivedAtLeast,
  verified,
  webhookService,
} from "./support.js";

// docs/product.md §11: every event type reaches the webhooks subscribed to it, signed so that
// the standardwebhooks verifier accepts it, in the spec's envelope (or Slack's shape), once.

const slackSchema = JSON.parse(
  readFileSync(
    new URL(
      "../../../../packages/webhooks/src/__tests__/slack-message.schema.json",
      import.meta.url,
    ),
    "utf8",
  ),
);
const validateSlack = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(
  slackSchema,
);

const FILTER = {
  triggers: [
    {
      urgency: "high" as const,
      conditions: [{ key: "status", contains: ["firing"] }],
      titleKey: "summary",
      correlationKey: "id",
    },
    {
      urgency: "low" as const,
      conditions: [{ key: "status", contains: ["quiet"] }],
      titleKey: "summary",
      correlationKey: "id",
      autoResolveAfterSeconds: 1,
    },
  ],
  resolve: { condition: { key: "status", contains: ["resolved"] }, correlationKey: "id" },
};

describe("outgoing webhooks: every event, signed, in its documented shape", () => {
  let service: TestService;
  let acme: TestAccount;
  let receiver: Receiver;
  let json: { id: string; secret: string };
  let slack: { id: string; secret: string };
  let incidentId: string;

  /** The JSON messages for the incident so far, verified with the webhook's secret. */
  const jsonMessages = (): Array<{ message: Received; envelope: Envelope }> =>
    receiver.received
      .filter((message) => message.path === "/json")
      .map((message) => ({ message, envelope: verified(message, json.secret) }));

  async function nextJson(type: string, count = 1): Promise<Envelope[]> {
    await receivedAtLeast(receiver.received, count, (message) => {
      return message.path === "/json" && verified(message, json.secret).type === type;
    });
    return jsonMessages()
      .filter(({ envelope }) => envelope.type === type)
      .map(({ envelope }) => envelope);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    service = await webhookService("webhook-events");
    acme = await newAccount(service, { serviceName: "Checkout" });
    await service.configureService(acme, { filter: FILTER });
    const all = [...SUBSCRIBABLE_EVENT_TYPES];
    const created = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/json`,
      events: all,
    });
    json = { id: created.webhook.id, secret: created.secret };
    const chat = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/slack`,
      events: all,
      format: "slack",
    });
    slack = { id: chat.webhook.id, secret: chat.secret };
  });
  afterAll(async () => {
    await service.close();
    await receiver.close();
  });

  it("incident.triggered: the incident as listed, its service and team, sequence 1", async () => {
    const answer = await trigger(acme.ingest, { id: "a", status: "firing", summary: "Disk full" });
    incidentId = answer.incidents[0]?.id ?? "";
    const [event] = await nextJson("incident.triggered");
    expectMatchesSpec(event as Envelope);
    expect(event).toMatchObject({
      id: `evt_${incidentId}_1`,
      data: {
        incident: { id: incidentId, title: "Disk full", status: "triggered", eventCount: 1 },
        service: { id: acme.serviceId, name: "Checkout" },
        team: { id: acme.team.id, name: "Default" },
        sequence: 1,
      },
    });
    const [message] = jsonMessages();
    expect(message?.message.headers["webhook-id"]).toBe(event?.id);
    expect(message?.message.headers["content-type"]).toBe("application/json");
  });

  it("incident.event_added: a duplicate joined it, with the duplicate event", async () => {
    await trigger(acme.ingest, { id: "a", status: "firing", summary: "Disk full" });
    const [event] = await nextJson("incident.event_added");
    expectMatchesSpec(event as Envelope);
    expect(event?.data).toMatchObject({
      incident: { id: incidentId, eventCount: 2 },
      sequence: 1,
      event: { type: "duplicate", actor: `token:${acme.globalToken.token.id}` },
    });
  });

  it("incident.acknowledged, .unacknowledged and .resolved by a person (api), in sequence", async () => {
    const path = { incidentId };
    await acknowledgeIncident({ client: acme.admin, path, body: { comment: "on it" } });
    await unacknowledgeIncident({ client: acme.admin, path });
    await resolveIncident({ client: acme.admin, path });
    const [acknowledged] = await nextJson("incident.acknowledged");
    const [unacknowledged] = await nextJson("incident.unacknowledged");
    const [resolved] = await nextJson("incident.resolved");
    for (const event of [acknowledged, unacknowledged, resolved]) {
      expectMatchesSpec(event as Envelope);
    }
    expect(acknowledged).toMatchObject({
      id: `evt_${incidentId}_2`,
      data: { sequence: 2, incident: { status: "acknowledged" }, event: { comment: "on it" } },
    });
    expect(unacknowledged?.data).toMatchObject({ sequence: 3, incident: { status: "triggered" } });
    expect(resolved?.data).toMatchObject({
      sequence: 4,
      by: "api",
      incident: { status: "resolved", eventCount: 5 },
      event: { type: "resolved", actor: `token:${acme.adminToken.token.id}` },
    });
  });

  it("incident.resolved by the sender's resolve filter, and by auto-resolve", async () => {
    const opened = await trigger(acme.ingest, { id: "b", status: "firing", summary: "Load" });
    await processIncident({ client: acme.ingest, body: { id: "b", status: "resolved" } });
    const quiet = await trigger(acme.ingest, { id: "c", status: "quiet", summary: "Cron" });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await startSweeper(service.deps, 60_000).runOnce();
    const resolved = await nextJson("incident.resolved", 3);
    const bySender = resolved.find((event) => event.data.incident.id === opened.incidents[0]?.id);
    const byService = resolved.find((event) => event.data.incident.id === quiet.incidents[0]?.id);
    expect(bySender?.data).toMatchObject({ by: "sender", sequence: 2 });
    expect(byService?.data).toMatchObject({
      by: "auto-resolve",
      event: { actor: "system:auto-resolve" },
    });
    for (const event of [bySender, byService]) expectMatchesSpec(event as Envelope);
  });

  it("request.created: global webhooks, and with workflowId only the requests carrying it", async () => {
    const restart = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/workflow`,
      events: ["request.created"],
      workflowId: "restart-checkout",
    });
    await createRequest({ client: acme.ingest, body: { workflowId: "other" } });
    const carried = await createRequest({
      client: acme.ingest,
      body: { workflowId: "restart-checkout" },
    });
    const both = await nextJson("request.created", 2);
    for (const event of both) expectMatchesSpec(event);
    expect(both.map((event) => event.data.request.workflowId).sort()).toEqual([
      "other",
      "restart-checkout",
    ]);
    const [message] = await receivedAtLeast(receiver.received, 1, (m) => m.path === "/workflow");
    expect(verified(message as Received, restart.secret)).toMatchObject({
      type: "request.created",
      id: `evt_${carried.data?.id}`,
      data: { request: { id: carried.data?.id, workflowId: "restart-checkout" } },
    });
    // Only that one went to the workflow's webhook.
    await nextJson("request.created", 2);
    expect(receiver.received.filter((m) => m.path === "/workflow")).toHaveLength(1);
  });

  it("webhook.test: sent at once, answered with its outcome, kept in the delivery log", async () => {
    const { data } = await testWebhook({ client: acme.admin, path: { webhookId: json.id } });
    expect(data?.delivered).toBe(true);
    expect(data?.delivery).toMatchObject({
      eventType: "webhook.test",
      status: "succeeded",
      attempts: [{ succeeded: true, httpStatus: 204, trigger: "test" }],
    });
    const [event] = await nextJson("webhook.test");
    expectMatchesSpec(event as Envelope);
    expect(event).toMatchObject({ id: data?.delivery.eventId, data: { webhookId: json.id } });
    const log = await deliveriesOf(acme.admin, json.id);
    expect(log.find((delivery) => delivery.id === data?.delivery.id)).toEqual(data?.delivery);
  });

  it("sends the same events to the slack webhook, each in Slack's documented shape", async () => {
    const expected = jsonMessages().filter(({ envelope }) => envelope.type !== "webhook.test");
    const messages = await receivedAtLeast(
      receiver.received,
      expected.length,
      (message) => message.path === "/slack",
    );
    for (const message of messages) {
      const body = verified<{ text: string; blocks: unknown[] }>(message, slack.secret);
      expect(validateSlack(body), JSON.stringify(validateSlack.errors)).toBe(true);
    }
    const texts = messages.map((message) => JSON.parse(message.body).text as string);
    expect(texts).toContain("Incident triggered: #1 Disk full (Checkout)");
    const triggered = messages.find((m) =>
      JSON.parse(m.body).text.startsWith("Incident triggered"),
    );
    expect(triggered?.body).toContain(`/console/incidents/${incidentId}|Open incident #1>`);
    // The same event ids as the JSON webhook's, so a receiver can drop duplicates.
    expect(new Set(messages.map((m) => m.headers["webhook-id"]))).toEqual(
      new Set(expected.map(({ envelope }) => envelope.id)),
    );
  });

  it("stores each event once: a retried ingest call and a second announcement add nothing", async () => {
    const body = { id: "d", status: "firing", summary: "Retry" };
    const first = await processIncident({
      client: acme.ingest,
      body,
      headers: { "Idempotency-Key": "retry-1" },
    });
    const again = await processIncident({
      client: acme.ingest,
      body,
      headers: { "Idempotency-Key": "retry-1" },
    });
    expect(again.data?.replayed).toBe(true);
    const opened = first.data?.incidents[0];
    if (!opened) throw new Error("no incident");
    // What a crash before the answer would repeat: the announcement itself.
    const incident = await service.deps.repositories.incidents.findInAccount(
      acme.accountId,
      opened.id,
    );
    if (!incident) throw new Error("not stored");
    await announceOpened(service.deps, { ...incident, version: 0 });
    await announceOpened(service.deps, { ...incident, version: 0 });
    const log = await deliveriesOf(acme.admin, json.id);
    expect(log.filter((delivery) => delivery.eventId === `evt_${opened.id}_1`)).toHaveLength(1);
  });
});

describe("outgoing webhooks by scope: a team or service webhook gets its own events only", () => {
  let service: TestService;
  let acme: TestAccount;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    service = await webhookService("webhook-scopes");
    acme = await newAccount(service);
  });
  afterAll(async () => {
    await service.close();
    await receiver.close();
  });

  it("routes each incident event to the global, its team's and its service's webhooks", async () => {
    const platform = (await createTeam({ client: acme.admin, body: { name: "Platform" } })).data;
    const api = (
      await createService({ client: acme.admin, body: { name: "API", teamId: platform?.id } })
    ).data;
    const events: ["incident.triggered"] = ["incident.triggered"];
    const hooks = {
      global: await newWebhook(acme.admin, {
        scope: "global",
        url: `${receiver.origin}/global`,
        events,
      }),
      platform: await newWebhook(acme.admin, {
        scope: "team",
        teamId: platform?.id ?? "",
        url: `${receiver.origin}/platform`,
        events,
      }),
      defaultTeam: await newWebhook(acme.admin, {
        scope: "team",
        teamId: acme.team.id,
        url: `${receiver.origin}/default`,
        events,
      }),
      api: await newWebhook(acme.admin, {
        scope: "service",
        serviceId: api?.id ?? "",
        url: `${receiver.origin}/api`,
        events,
      }),
      requests: await newWebhook(acme.admin, {
        scope: "team",
        teamId: platform?.id ?? "",
        url: `${receiver.origin}/requests`,
        events: ["request.created"],
      }),
    };
    // A global token's call opens one incident in each team's service.
    const answer = await trigger(acme.ingest);
    expect(answer.incidents).toHaveLength(2);
    await createRequest({ client: acme.ingest, body: { any: "request" } });
    await receivedAtLeast(receiver.received, 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const serviceOf = (path: string, secret: string) =>
      receiver.received
        .filter((message) => message.path === path)
        .map((message) => verified(message, secret).data.service.id)
        .sort();
    expect(serviceOf("/global", hooks.global.secret)).toEqual([acme.serviceId, api?.id].sort());
    expect(serviceOf("/platform", hooks.platform.secret)).toEqual([api?.id]);
    expect(serviceOf("/default", hooks.defaultTeam.secret)).toEqual([acme.serviceId]);
    expect(serviceOf("/api", hooks.api.secret)).toEqual([api?.id]);
    // Requests belong to the account: a team webhook never gets them.
    expect(receiver.received.filter((message) => message.path === "/requests")).toEqual([]);
  });
});
