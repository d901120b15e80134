import type { ServerResponse } from "node:http";
import { Writable } from "node:stream";
import {
  createService,
  createTeam,
  deleteService,
  deleteTeam,
  deleteWebhook,
  getWebhook,
  redeliverWebhookDelivery,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
} from "@sqibs/api-client";
import { type Receiver, startReceiver, waitFor } from "@sqibs/testing";
import { isSignerKept } from "@sqibs/webhooks";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { startDispatcher } from "../../src/jobs/dispatcher.js";
import { createLogger } from "../../src/logging.js";
import type { TestService } from "../harness.js";
import { newAccount, type TestAccount, trigger } from "../management/support.js";
import { deliveriesOf, newWebhook, receivedAtLeast, verified, webhookService } from "./support.js";

// How deliveries are made (docs/webhooks.md "Delivery and retries", "Security"): retried with
// back-off honouring Retry-After, failed after the retry period and redeliverable, endpoints
// disabled after days of failures, N in flight per endpoint, one slow receiver delaying no
// other, addresses checked at send time, secrets and URL credentials kept out of logs.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of started.splice(0).reverse()) await item.close();
});

async function setUp(
  suite: string,
  handler?: Parameters<typeof startReceiver>[0],
  overrides: Parameters<typeof webhookService>[1] = {},
): Promise<{ service: TestService; acme: TestAccount; receiver: Receiver }> {
  const receiver = await startReceiver(handler);
  started.push(receiver);
  const service = await webhookService(suite, overrides);
  started.push(service);
  return { service, acme: await newAccount(service), receiver };
}

describe("retries", () => {
  it("delivers on the 4th attempt after 3 failures, honouring Retry-After; the log shows all 4", async () => {
    let calls = 0;
    const { service, acme, receiver } = await setUp("webhook-retries", (_request, response) => {
      calls += 1;
      if (calls === 2) response.writeHead(503, { "retry-after": "1" }).end("busy");
      else if (calls < 4) response.writeHead(500).end(`failure ${calls}`);
      else response.writeHead(200).end("ok");
    });
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/hook`,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    const messages = await receivedAtLeast(receiver.received, 4);
    // One event, the same id every time.
    expect(new Set(messages.map((message) => message.headers["webhook-id"])).size).toBe(1);
    for (const message of messages) verified(message, hook.secret);
    const [delivery] = await waitFor("the delivery to succeed", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "succeeded" ? log : undefined;
    });
    expect(delivery?.attempts.map((attempt) => [attempt.succeeded, attempt.httpStatus])).toEqual([
      [false, 500],
      [false, 503],
      [false, 500],
      [true, 200],
    ]);
    expect(delivery?.attempts[0]).toMatchObject({ reason: "http-status", response: "failure 1" });
    expect(delivery?.attempts[1]).toMatchObject({ retryAfterSeconds: 1, response: "busy" });
    // Back-off is 100-400 ms here; after the 503 the receiver asked for a second.
    const at = (index: number) => new Date(delivery?.attempts[index]?.at ?? 0).getTime();
    expect(at(2) - at(1)).toBeGreaterThanOrEqual(1_000);
    expect(at(1) - at(0)).toBeLessThan(1_000);
    // Dated by its event, not by its log document's write, which follows the first attempt.
    expect(new Date(delivery?.createdAt ?? 0).getTime()).toBeLessThanOrEqual(at(0));
    // The metrics: attempts by outcome, deliveries by status, latency, the queue's depth.
    const metrics = await service.deps.metrics.registry.metrics();
    expect(metrics).toContain('sqibs_webhook_attempts_total{outcome="http-status"} 3');
    expect(metrics).toContain('sqibs_webhook_attempts_total{outcome="succeeded"} 1');
    expect(metrics).toContain('sqibs_webhook_deliveries_total{status="succeeded"} 1');
    expect(metrics).toContain(
      'sqibs_webhook_attempt_duration_seconds_count{outcome="succeeded"} 1',
    );
    expect(metrics).toContain('sqibs_webhook_events_total{type="incident.triggered"} 1');
    expect(metrics).toMatch(/^sqibs_webhook_due_deliveries \d+$/m);
  });

  it("fails a delivery once its retry period is over, keeps it, and redelivers it by hand", async () => {
    let healthy = false;
    const { acme, receiver } = await setUp(
      "webhook-failed",
      (_request, response) => {
        response.writeHead(healthy ? 204 : 502).end();
      },
      // Retried for 3 s from the first attempt: a retry is decided after the attempt is
      // recorded, which on a busy machine took over a second (one attempt, then failed).
      { WEBHOOK_RETRY_FOR_SECONDS: 3 },
    );
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/`,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    const [failed] = await waitFor("the delivery to fail", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "failed" ? log : undefined;
    });
    expect(failed?.attempts.length).toBeGreaterThanOrEqual(2);
    expect(failed).not.toHaveProperty("nextAttemptAt");
    healthy = true;
    const sentBefore = receiver.received.length;
    const redelivered = await redeliverWebhookDelivery({
      client: acme.admin,
      path: { webhookId: hook.webhook.id, deliveryId: failed?.id ?? "" },
    });
    expect(redelivered.response?.status).toBe(202);
    expect(redelivered.data).toMatchObject({ status: "pending", id: failed?.id });
    const [again] = await waitFor("the redelivery to succeed", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "succeeded" ? log : undefined;
    });
    expect(again?.attempts.at(-1)).toMatchObject({ succeeded: true, trigger: "redeliver" });
    const last = receiver.received.at(-1);
    expect(receiver.received.length).toBe(sentBefore + 1);
    expect(last?.headers["webhook-id"]).toBe(failed?.eventId);
  });

  it("disables a webhook failing without a success for the configured period, with the reason", async () => {
    let healthy = false;
    const { acme, receiver } = await setUp(
      "webhook-disable",
      (_request, response) => {
        response.writeHead(healthy ? 204 : 500).end();
      },
      { WEBHOOK_DISABLE_AFTER_SECONDS: 1 },
    );
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/`,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    const disabled = await waitFor("the webhook to be disabled", async () => {
      const { data } = await getWebhook({
        client: acme.admin,
        path: { webhookId: hook.webhook.id },
      });
      return data?.enabled === false ? data : undefined;
    });
    expect(disabled.disabledReason).toMatch(
      /^Every delivery since .* failed \(1 s without a success\); no delivery has ever succeeded\.$/,
    );
    expect(disabled.disabledAt).toBeDefined();
    expect(disabled.lastAttempt).toMatchObject({ succeeded: false, httpStatus: 500 });
    // Disabled: nothing more is sent, the delivery waits.
    await sleep(500);
    const sent = receiver.received.length;
    await sleep(500);
    expect(receiver.received.length).toBe(sent);
    // Enabled again, once the receiver is fixed: the reason goes, the delivery goes out.
    healthy = true;
    const enabled = await updateWebhook({
      client: acme.admin,
      path: { webhookId: hook.webhook.id },
      body: { enabled: true },
    });
    expect(enabled.data).toMatchObject({ enabled: true });
    expect(enabled.data).not.toHaveProperty("disabledReason");
    const [delivered] = await waitFor("the waiting delivery", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "succeeded" ? log : undefined;
    });
    expect(delivered?.attempts.at(-1)?.succeeded).toBe(true);
    const shown = await getWebhook({ client: acme.admin, path: { webhookId: hook.webhook.id } });
    expect(shown.data?.lastSuccessAt).toBe(delivered?.attempts.at(-1)?.at);
  });
});

describe("redelivery", () => {
  it("is not lost to the attempt in flight when it finishes: the event is sent once more", async () => {
    let answerFirst = () => {};
    const firstAnswered = new Promise<void>((resolve) => {
      answerFirst = resolve;
    });
    const { acme, receiver } = await setUp("webhook-redeliver-race", async (_request, response) => {
      // The first attempt fails (its retry is queued); the second is held until the
      // redelivery was asked for, then succeeds.
      if (receiver.received.length === 1) {
        response.writeHead(503).end();
        return;
      }
      if (receiver.received.length === 2) await firstAnswered;
      response.writeHead(204).end();
    });
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/`,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    await receivedAtLeast(receiver.received, 2);
    const [pending] = await deliveriesOf(acme.admin, hook.webhook.id);
    expect(pending?.status).toBe("pending");
    const redelivered = await redeliverWebhookDelivery({
      client: acme.admin,
      path: { webhookId: hook.webhook.id, deliveryId: pending?.id ?? "" },
    });
    expect(redelivered.response?.status).toBe(202);
    answerFirst();
    await receivedAtLeast(receiver.received, 3);
    const [first, second, third] = receiver.received;
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(third?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    const [done] = await waitFor("the three attempts in the log", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "succeeded" && log[0].attempts.length === 3 ? log : undefined;
    });
    expect(done?.attempts.map((attempt) => attempt.trigger)).toEqual([
      "dispatch",
      "dispatch",
      "redeliver",
    ]);
  });
});

describe("endpoints", () => {
  it("keeps at most 4 attempts in flight per endpoint", async () => {
    let open = 0;
    let most = 0;
    const { acme, receiver } = await setUp("webhook-in-flight", async (_request, response) => {
      open += 1;
      most = Math.max(most, open);
      await sleep(300);
      open -= 1;
      response.writeHead(204).end();
    });
    await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/`,
      events: ["incident.triggered"],
    });
    await Promise.all(Array.from({ length: 12 }, () => trigger(acme.ingest)));
    await receivedAtLeast(receiver.received, 12, () => true, 30_000);
    expect(most).toBe(4);
  });

  it("does not let a receiver that sleeps 30 s delay another endpoint's deliveries", async () => {
    const slowOpen: number[] = [];
    const { acme, receiver } = await setUp("webhook-slow", async (request, response) => {
      if (request.path === "/slow") {
        slowOpen.push(Date.now());
        await sleep(30_000);
      }
      response.writeHead(204).end();
    });
    for (const path of ["/slow", "/fast"]) {
      await newWebhook(acme.admin, {
        scope: "global",
        url: `${receiver.origin}${path}`,
        events: ["incident.triggered"],
      });
    }
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => trigger(acme.ingest)));
    await receivedAtLeast(receiver.received, 10, (message) => message.path === "/fast", 25_000);
    const elapsed = Date.now() - started;
    // Every fast delivery arrived while the slow receiver still held its first requests
    // (it answers after 30 s; the attempts time out after 10 s): it held 4 slots, no more.
    expect(elapsed).toBeLessThan(10_000);
    expect(slowOpen.length).toBe(4);
  });

  it("refuses at send time a name that resolves to loopback, with the reason in the delivery log", async () => {
    const receiver = await startReceiver();
    started.push(receiver);
    const service = await webhookService("webhook-dns", {
      // http is allowed, no range is opened: 127.0.0.1 stays refused.
      WEBHOOK_ALLOWED_CIDRS: [],
      webhookResolver: (hostname, _options, callback) => {
        if (hostname === "hooks.loopback.example") {
          callback(null, [{ address: "127.0.0.1", family: 4 }]);
        } else {
          callback(Object.assign(new Error(`no ${hostname}`), { code: "ENOTFOUND" }), []);
        }
      },
    });
    started.push(service);
    const acme = await newAccount(service);
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      // A name: accepted at creation (it is resolved at every attempt).
      url: `http://hooks.loopback.example:${receiver.port}/`,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    const [delivery] = await waitFor("the delivery to fail", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "failed" ? log : undefined;
    });
    // Refused before anything was sent, and not retried.
    expect(delivery?.attempts).toHaveLength(1);
    expect(delivery?.attempts[0]).toMatchObject({ succeeded: false, reason: "refused-address" });
    expect(delivery?.attempts[0]?.detail).toMatch(
      /^hooks\.loopback\.example resolves to 127\.0\.0\.1 is in 127\.0\.0\.0\/8 \(loopback\)/,
    );
    expect(receiver.connections).toBe(0);
  });
});

/**
 * A webhook whose receiver answered 8 deliveries fast (so its rounds are claimed ahead), then
 * `more` events while it holds every answer, with a dispatcher started here: it has claimed
 * every round and holds 4 in flight when this returns. `release` answers the held ones and
 * every one after.
 */
async function claimedAhead(
  suite: string,
  more: number,
  overrides: Parameters<typeof webhookService>[1] = {},
) {
  const held: ServerResponse[] = [];
  let holding = false;
  const receiver = await startReceiver((_request, response) => {
    if (holding) held.push(response);
    else response.writeHead(204).end();
  });
  started.push(receiver);
  const service = await webhookService(suite, { dispatcher: false, ...overrides });
  started.push(service);
  const acme = await newAccount(service);
  const hook = await newWebhook(acme.admin, {
    scope: "global",
    url: `${receiver.origin}/`,
    events: ["incident.triggered"],
  });
  const db = service.deps.repositories.database.db;
  const first = startDispatcher(service.deps);
  await Promise.all(Array.from({ length: 8 }, () => trigger(acme.ingest)));
  await receivedAtLeast(receiver.received, 8);
  holding = true;
  // Queued, as a scan finds them (a retry, another instance's): a call's own deliveries go
  // out from memory, without a claim (usecases/journal.ts).
  const at = new Date();
  const stored = await service.deps.repositories.webhookDeliveries.store(
    Array.from({ length: more }, (_, index) => {
      const eventId = `evt_queued_${index}`;
      return {
        accountId: acme.accountId,
        webhookId: hook.webhook.id,
        eventId,
        eventType: "incident.triggered" as const,
        url: hook.webhook.url,
        body: JSON.stringify({ type: "incident.triggered", id: eventId, data: { index } }),
        oneShot: false,
        key: `${eventId}:${hook.webhook.id}`,
        at,
      };
    }),
    { queued: true },
  );
  service.deps.webhooks.queued.notify(stored.queued);
  await waitFor(`${more} rounds claimed`, async () =>
    (await db.collection("webhook_claims").countDocuments()) >= more ? true : undefined,
  );
  await waitFor("4 attempts in flight", () => (held.length >= 4 ? true : undefined));
  const release = () => {
    holding = false;
    for (const response of held.splice(0)) response.writeHead(204).end();
  };
  return { receiver, held, service, acme, hook, db, first, release };
}

describe("claiming ahead", () => {
  it("gives back at a graceful stop the rounds it claimed and did not send: the next instance sends them at once, none interrupted", async () => {
    // The dispatchers are started here, one after the other, as two instances would be.
    const { receiver, held, service, hook, db, first, release } = await claimedAhead(
      "webhook-give-back",
      120,
    );
    const stopping = first.stop(10_000);
    release();
    await stopping;
    // The 4 in flight ended and were recorded; the other 116 are due again, in their next
    // round, not counted as attempts (more than FerretDB's 100 connections would allow in
    // one update command: it holds one per statement).
    expect(held).toHaveLength(0);
    expect(receiver.received).toHaveLength(12);
    expect(await db.collection("webhook_attempts").countDocuments()).toBe(12);
    const queue = await db.collection("webhook_queue").find().toArray();
    expect(queue).toHaveLength(116);
    // Untried: a queue entry leaves `attempts` out while it is 0.
    for (const entry of queue) {
      expect(entry).toMatchObject({ round: 2 });
      expect(entry).not.toHaveProperty("attempts");
    }

    const second = startDispatcher(service.deps);
    started.push({ close: () => second.stop(5_000) });
    // At once: a round still claimed would wait for its lease (the timeout plus 20 s).
    await receivedAtLeast(receiver.received, 128, () => true, 10_000);
    const ids = receiver.received.map((message) => verified(message, hook.secret).id);
    expect(new Set(ids).size).toBe(128);
    await waitFor("the queue to empty", async () =>
      (await db.collection("webhook_queue").countDocuments()) === 0 ? true : undefined,
    );
    expect(await db.collection("webhook_attempts").countDocuments({ reason: "interrupted" })).toBe(
      0,
    );
  });
});

describe("a dispatcher stopped with rounds claimed", () => {
  it("leaves them to another instance, which sends each once its lease has run out", async () => {
    // A lease is the attempt's timeout plus 20 s: 21 s here.
    const { receiver, service, acme, hook, db, first, release } = await claimedAhead(
      "webhook-abandoned",
      40,
      { WEBHOOK_TIMEOUT_MS: 1_000 },
    );
    // Stopped with no time to give anything back: its claims hold until their leases end.
    const stoppedAt = Date.now();
    await first.stop(0);
    release();
    const second = startDispatcher(service.deps);
    started.push({ close: () => second.stop(5_000) });
    await receivedAtLeast(receiver.received, 48, () => true, 40_000).catch((error) => {
      throw new Error(`${receiver.received.length} received: ${error}`);
    });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(20_000);
    const ids = receiver.received.map((message) => verified(message, hook.secret).id);
    expect(new Set(ids).size).toBe(48);
    await waitFor("the queue to empty", async () =>
      (await db.collection("webhook_queue").countDocuments()) === 0 ? true : undefined,
    );
    // Each round left claimed was ended as interrupted by the other instance, then sent.
    expect(
      await db.collection("webhook_attempts").countDocuments({ reason: "interrupted" }),
    ).toBeGreaterThanOrEqual(1);
    const log = await deliveriesOf(acme.admin, hook.webhook.id);
    expect(log.every((delivery) => delivery.status === "succeeded")).toBe(true);
  }, 60_000);
});

describe("secrets", () => {
  it("keeps secrets and URL credentials out of the logs and the delivery log", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(500).end();
    });
    started.push(receiver);
    const service = await webhookService("webhook-secrets", {
      logger: createLogger({ LOG_LEVEL: "debug" }, destination),
      WEBHOOK_RETRY_FOR_SECONDS: 1,
    });
    started.push(service);
    const acme = await newAccount(service);
    const url = `http://someone:pa55w0rd@127.0.0.1:${receiver.port}/hook?api_key=k3y-value`;
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url,
      events: ["incident.triggered"],
    });
    await trigger(acme.ingest);
    const [delivery] = await waitFor("the delivery to fail", async () => {
      const log = await deliveriesOf(acme.admin, hook.webhook.id);
      return log[0]?.status === "failed" ? log : undefined;
    });
    // The credentials went to the receiver as HTTP Basic, as the URL said.
    expect(receiver.received[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("someone:pa55w0rd").toString("base64")}`,
    );
    const redacted = `http://[REDACTED]@127.0.0.1:${receiver.port}/hook?[REDACTED]`;
    expect(delivery?.url).toBe(redacted);
    const log = lines.join("");
    expect(log).toContain('"msg":"webhook attempt failed"');
    expect(log).toContain(redacted);
    for (const secret of [hook.secret, hook.secret.slice(6), "pa55w0rd", "k3y-value"]) {
      expect(log.includes(secret), `the log holds ${secret.slice(0, 8)}…`).toBe(false);
    }
  });

  it("signs with the old and the new secret during a rotation's grace period, then the new one", async () => {
    const { acme, receiver } = await setUp("webhook-rotate");
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url: `${receiver.origin}/`,
      events: ["incident.triggered"],
    });
    const rotated = await rotateWebhookSecret({
      client: acme.admin,
      path: { webhookId: hook.webhook.id },
      body: { graceSeconds: 3600 },
    });
    const next = rotated.data?.secret ?? "";
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(hook.secret);
    expect(rotated.data?.webhook.secretPrefix).toBe(next.slice(0, 10));
    await trigger(acme.ingest);
    const [during] = await receivedAtLeast(receiver.received, 1);
    expect(String(during?.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    if (!during) throw new Error("nothing received");
    verified(during, hook.secret);
    verified(during, next);
    const ended = await rotateWebhookSecret({
      client: acme.admin,
      path: { webhookId: hook.webhook.id },
      body: { graceSeconds: 0 },
    });
    await trigger(acme.ingest);
    const [, after] = await receivedAtLeast(receiver.received, 2);
    if (!after) throw new Error("nothing received");
    expect(String(after.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    verified(after, ended.data?.secret ?? "");
    expect(() => verified(after, next)).toThrow();
    expect(() => new Webhook(hook.secret).verify(after.body, after.headers as never)).toThrow();
  });
  it("forgets a secret once its webhook is deleted or the secret no longer signs", async () => {
    const { acme, receiver } = await setUp("webhook-forget-secrets");
    const url = `${receiver.origin}/`;
    const signedBy = async (webhookId: string) => {
      const { data } = await testWebhook({ client: acme.admin, path: { webhookId } });
      expect(data?.delivered).toBe(true);
    };
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url,
      events: ["incident.triggered"],
    });
    const id = hook.webhook.id;
    await signedBy(id);
    expect(isSignerKept(hook.secret)).toBe(true);

    // Rotated with a grace period: both sign until it ends, then the old one is forgotten.
    const rotate = async (graceSeconds: number) =>
      (
        await rotateWebhookSecret({
          client: acme.admin,
          path: { webhookId: id },
          body: { graceSeconds },
        })
      ).data?.secret ?? "";
    const second = await rotate(1);
    await signedBy(id);
    expect([isSignerKept(hook.secret), isSignerKept(second)]).toEqual([true, true]);
    await sleep(1_100);
    await signedBy(id);
    expect([isSignerKept(hook.secret), isSignerKept(second)]).toEqual([false, true]);

    // Rotated out at once: forgotten by the rotation itself.
    const third = await rotate(0);
    expect(isSignerKept(second)).toBe(false);
    await signedBy(id);
    expect(isSignerKept(third)).toBe(true);

    const deleted = await deleteWebhook({ client: acme.admin, path: { webhookId: id } });
    expect(deleted.response?.status).toBe(204);
    expect(isSignerKept(third)).toBe(false);

    // Deleted with its team.
    const team = (await createTeam({ client: acme.admin, body: { name: "Gone" } })).data;
    const teamHook = await newWebhook(acme.admin, {
      scope: "team",
      teamId: team?.id ?? "",
      url,
      events: ["incident.triggered"],
    });
    await signedBy(teamHook.webhook.id);
    expect(isSignerKept(teamHook.secret)).toBe(true);
    const teamDeleted = await deleteTeam({ client: acme.admin, path: { teamId: team?.id ?? "" } });
    expect(teamDeleted.response?.status).toBe(204);
    expect(isSignerKept(teamHook.secret)).toBe(false);
  });

  it("forgets a webhook's URL once it is deleted, alone or with its team or service, or given another", async () => {
    const { service, acme, receiver } = await setUp("webhook-forget-urls");
    const { send } = service.deps.webhooks;
    // User-info and query, as a receiver's credentials come.
    const urlOf = (name: string) =>
      `http://someone:pa55w0rd@127.0.0.1:${receiver.port}/${name}?token=t0k3n`;
    const delivered = async (webhookId: string) => {
      const { data } = await testWebhook({ client: acme.admin, path: { webhookId } });
      expect(data?.delivered).toBe(true);
    };
    type Scope =
      | { scope: "global" }
      | { scope: "team"; teamId: string }
      | { scope: "service"; serviceId: string };
    const deliveredOnce = async (scope: Scope, name: string) => {
      const hook = await newWebhook(acme.admin, {
        ...scope,
        url: urlOf(name),
        events: ["incident.triggered"],
      });
      await delivered(hook.webhook.id);
      expect(send.isTargetKept(urlOf(name))).toBe(true);
      return hook.webhook.id;
    };

    const alone = await deliveredOnce({ scope: "global" }, "alone");
    const deleted = await deleteWebhook({ client: acme.admin, path: { webhookId: alone } });
    expect(deleted.response?.status).toBe(204);
    expect(send.isTargetKept(urlOf("alone"))).toBe(false);

    const team = (await createTeam({ client: acme.admin, body: { name: "Gone" } })).data;
    const teamId = team?.id ?? "";
    await deliveredOnce({ scope: "team", teamId }, "team");
    const teamDeleted = await deleteTeam({ client: acme.admin, path: { teamId } });
    expect(teamDeleted.response?.status).toBe(204);
    expect(send.isTargetKept(urlOf("team"))).toBe(false);

    const made = (await createService({ client: acme.admin, body: { name: "Gone too" } })).data;
    const serviceId = made?.id ?? "";
    await deliveredOnce({ scope: "service", serviceId }, "service");
    const serviceDeleted = await deleteService({ client: acme.admin, path: { serviceId } });
    expect(serviceDeleted.response?.status).toBe(204);
    expect(send.isTargetKept(urlOf("service"))).toBe(false);

    // Given another URL: the old one is forgotten, the new one delivered to.
    const moved = await deliveredOnce({ scope: "global" }, "before");
    const patched = await updateWebhook({
      client: acme.admin,
      path: { webhookId: moved },
      body: { url: urlOf("after") },
    });
    expect(patched.response?.status).toBe(200);
    expect(patched.data?.url).toBe(urlOf("after"));
    expect(send.isTargetKept(urlOf("before"))).toBe(false);
    await delivered(moved);
    expect(receiver.received.at(-1)?.path).toBe("/after?token=t0k3n");
    expect(send.isTargetKept(urlOf("after"))).toBe(true);
    // A PATCH that leaves the URL as it is keeps it.
    const renamed = await updateWebhook({
      client: acme.admin,
      path: { webhookId: moved },
      body: { url: urlOf("after"), events: ["incident.resolved"] },
    });
    expect(renamed.data).toMatchObject({ url: urlOf("after"), events: ["incident.resolved"] });
    expect(send.isTargetKept(urlOf("after"))).toBe(true);
  });
});
