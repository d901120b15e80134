import type { ServerResponse } from "node:http";
import { type Received, type Receiver, startReceiver, waitFor } from "@sqibs/testing";
import { ObjectId } from "mongodb";
import { afterEach, describe, expect, inject, it } from "vitest";
import { journalEntryId } from "../../src/repositories/index.js";
import { bootstrapAccount } from "../../src/usecases/bootstrap.js";
import { verified } from "../webhooks/support.js";
import { type ChildService, seedDatabase, spawnService } from "./support.js";

// Outgoing webhooks with the real service as child processes (docs/webhooks.md, "Delivery"):
// what is stored is delivered through a SIGKILL, and two instances on one database share the
// work without sending anything twice.

type Seed = Awaited<ReturnType<typeof seedDatabase>>;

const children: ChildService[] = [];
const receivers: Receiver[] = [];
let seed: Seed | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
  for (const receiver of receivers.splice(0)) await receiver.close();
  await seed?.close();
  seed = undefined;
});

function environment(dbName: string, extra: Record<string, string> = {}) {
  return {
    MONGODB_URI: inject("mongodbUri"),
    MONGODB_DB: dbName,
    LOG_LEVEL: "error",
    RATE_LIMIT_PER_MINUTE: "0",
    ACCOUNT_RATE_LIMIT_PER_MINUTE: "0",
    WEBHOOK_ALLOW_HTTP: "true",
    WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8",
    WEBHOOK_POLL_INTERVAL_MS: "200",
    ...extra,
  };
}

async function spawn(env: Record<string, string>, port?: number): Promise<ChildService> {
  const child = await spawnService(env, port);
  children.push(child);
  return child;
}

/** A receiver answering 204 to everything, and what it got. */
async function answeringReceiver(): Promise<{ answered: Received[]; receiver: Receiver }> {
  const answered: Received[] = [];
  const receiver = await startReceiver((request, response) => {
    answered.push(request);
    response.writeHead(204).end();
  });
  receivers.push(receiver);
  return { answered, receiver };
}

/** POST /v1/webhooks through the service; its secret. */
async function createWebhook(url: string, adminSecret: string, target: string): Promise<string> {
  return (await createdWebhook(url, adminSecret, target)).secret;
}

async function createdWebhook(url: string, adminSecret: string, target: string) {
  const response = await fetch(`${url}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ scope: "global", url: target, events: ["incident.triggered"] }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { secret: string; webhook: { id: string } };
}

/** `count` calls that each open an incident, spread over the services at `urls`. */
async function ingest(urls: string[], secret: string, count: number): Promise<string[]> {
  const opened: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let index = next++; index < count; index = next++) {
        const response = await fetch(`${urls[index % urls.length]}/v1/process`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "content-type": "text/plain" },
          body: `webhook event #${index}`,
        });
        expect(response.status).toBe(201);
        const answer = (await response.json()) as { incidents: Array<{ id: string }> };
        opened.push(...answer.incidents.map((incident) => incident.id));
      }
    }),
  );
  return opened;
}

/** The event ids of the messages answered 2xx, each verified, checked against its header. */
function deliveredIds(messages: Received[], secret: string): string[] {
  return messages.map((message) => {
    const envelope = verified(message, secret);
    expect(message.headers["webhook-id"]).toBe(envelope.id);
    return envelope.id;
  });
}

describe("outgoing webhooks through a crash and across instances", () => {
  it("delivers all 100 events that were due when the service was SIGKILLed, after its restart", async () => {
    seed = await seedDatabase(inject("mongodbUri"), "webhooks_sigkill");
    const held: ServerResponse[] = [];
    let holding = true;
    const answered: Received[] = [];
    const receiver = await startReceiver((request, response) => {
      if (holding) {
        held.push(response);
        return;
      }
      answered.push(request);
      response.writeHead(204).end();
    });
    receivers.push(receiver);
    // A 2 s attempt timeout: a claim of the killed instance is taken over 22 s later.
    const env = environment(seed.dbName, {
      WEBHOOK_TIMEOUT_MS: "2000",
      WEBHOOK_INSTANCE_LEASE_MS: "5000",
    });
    const first = await spawn(env);
    const secret = await createWebhook(
      first.url,
      seed.account.adminToken.secret,
      `${receiver.origin}/`,
    );
    await ingest([first.url], seed.account.globalToken.secret, 100);
    // Four attempts in flight (held by the receiver: the webhook's slots), the other 96 due
    // in the queue, stored by the dispatcher's ticks (usecases/journal.ts). The four went out
    // from memory without a claim, or were claimed from the queue (then still in it).
    await waitFor("4 attempts in flight", () => (held.length >= 4 ? true : undefined));
    await waitFor("96 due", async () => {
      const queued = await seed?.repositories.database.db
        .collection("webhook_queue")
        .countDocuments();
      return queued !== undefined && queued >= 96 ? true : undefined;
    });
    await first.kill();
    holding = false;
    const second = await spawn(env, first.port);
    await waitFor(
      "all 100 events",
      () => (new Set(deliveredIds(answered, secret)).size >= 100 ? true : undefined),
      60_000,
      200,
    );
    const ids = deliveredIds(answered, secret);
    expect(new Set(ids).size).toBe(100);
    // What the killed instance had in flight came again after the restart, with the same id.
    const heldIds = new Set(deliveredIds(receiver.received.slice(0, held.length), secret));
    for (const id of heldIds) expect(ids).toContain(id);
    expect(second.child.exitCode).toBeNull();
    await waitFor("the queue to empty", async () => {
      const left = await seed?.repositories.database.db
        .collection("webhook_queue")
        .countDocuments();
      return left === 0 ? true : undefined;
    });
    // A claimed round in flight is ended as interrupted once its lease ran out; one sent from
    // memory comes again from the killed instance's journal, a lease of the instance later.
    const interrupted = await seed.repositories.database.db
      .collection("webhook_attempts")
      .countDocuments({ reason: "interrupted" });
    expect(interrupted).toBeLessThanOrEqual(4);
    await waitFor("the killed instance forgotten", async () => {
      const instances = await seed?.repositories.webhookJournal.beats();
      return instances?.length === 1 ? true : undefined;
    });
  }, 120_000);

  it("delivers 500 events exactly once with two instances on one database", async () => {
    seed = await seedDatabase(inject("mongodbUri"), "webhooks_two");
    const { answered, receiver } = await answeringReceiver();
    const env = environment(seed.dbName);
    const [one, two] = [await spawn(env), await spawn(env)];
    if (!one || !two) throw new Error("no instances");
    // Two accounts, each sending through its own instance (incident numbers are handed out
    // per account and instance: one account through both would mostly measure their
    // collisions); both instances send every account's deliveries.
    const other = await bootstrapAccount(
      { repositories: seed.repositories, clock: () => new Date() },
      { accountName: "Other", language: "en" },
    );
    const accounts = [
      { url: one.url, account: seed.account },
      { url: two.url, account: other },
    ];
    const secrets: string[] = [];
    for (const { url, account } of accounts) {
      secrets.push(await createWebhook(url, account.adminToken.secret, `${receiver.origin}/`));
    }
    await Promise.all(
      accounts.map(({ url, account }) => ingest([url], account.globalToken.secret, 250)),
    );
    await waitFor("500 events", () => (answered.length >= 500 ? true : undefined), 90_000, 200);
    // Anything sent twice would arrive within this.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const ids = answered.map((message) => {
      const [envelope] = secrets.flatMap((secret) => {
        try {
          return [verified(message, secret)];
        } catch {
          return [];
        }
      });
      expect(message.headers["webhook-id"]).toBe(envelope?.id);
      return envelope?.id;
    });
    expect(ids.length).toBe(500);
    expect(new Set(ids).size).toBe(500);
    for (const child of [one, two]) expect(child.child.exitCode).toBeNull();
    // Each delivery was attempted once, none interrupted: no instance ever took another's
    // over (a call's own deliveries go out from memory without a claim; the rest claimed).
    const db = seed.repositories.database.db;
    expect(await db.collection("webhook_attempts").countDocuments()).toBe(500);
    expect(await db.collection("webhook_attempts").countDocuments({ succeeded: true })).toBe(500);
    expect(await db.collection("webhook_claims").countDocuments()).toBeLessThanOrEqual(500);
    expect(await db.collection("webhook_queue").countDocuments()).toBe(0);
  }, 150_000);

  it("delivers every event answered right before a SIGKILL: the restarted instance recovers the journal", async () => {
    seed = await seedDatabase(inject("mongodbUri"), "webhooks_journal_kill");
    const { answered, receiver } = await answeringReceiver();
    const env = environment(seed.dbName, { WEBHOOK_INSTANCE_LEASE_MS: "2000" });
    const first = await spawn(env);
    const secret = await createWebhook(
      first.url,
      seed.account.adminToken.secret,
      `${receiver.origin}/`,
    );
    const opened = await ingest([first.url], seed.account.globalToken.secret, 200);
    // At once after the last answer: what its dispatcher had not stored yet is in the journal.
    await first.kill();
    const db = seed.repositories.database.db;
    const [instance] = await db.collection<{ _id: string }>("webhook_instances").find().toArray();
    expect(instance).toBeDefined();
    const second = await spawn(env, first.port);
    await waitFor(
      "all 200 events",
      () => (new Set(deliveredIds(answered, secret)).size >= 200 ? true : undefined),
      60_000,
      200,
    );
    expect(new Set(deliveredIds(answered, secret))).toEqual(
      new Set(opened.map((id) => `evt_${id}_1`)),
    );
    expect(second.child.exitCode).toBeNull();
    // The dead instance's journal and heartbeat are gone once recovered.
    await waitFor("the dead instance forgotten", async () => {
      const left = await db
        .collection<{ _id: string }>("webhook_instances")
        .countDocuments({ _id: instance?._id ?? "" });
      return left === 0 ? true : undefined;
    });
    const prefix = `${instance?._id}:`;
    const entries = await db
      .collection<{ _id: string }>("deliveries")
      .countDocuments({ _id: { $gte: prefix, $lt: `${instance?._id};` } });
    expect(entries).toBe(0);
  }, 120_000);

  it("recovers a dead instance's journal by its heartbeat: delivers each entry whose incident is stored, drops the others", async () => {
    seed = await seedDatabase(inject("mongodbUri"), "webhooks_journal_recovery");
    const { answered, receiver } = await answeringReceiver();
    const env = environment(seed.dbName, { WEBHOOK_INSTANCE_LEASE_MS: "1500" });
    const survivor = await spawn(env);
    // Incidents opened while no webhook listened; then a webhook, and a dead instance's
    // journal naming them (entries 2, 3 and 6: gaps allowed) and an incident never stored (7).
    const opened = await ingest([survivor.url], seed.account.globalToken.secret, 3);
    const { secret, webhook } = await createdWebhook(
      survivor.url,
      seed.account.adminToken.secret,
      `${receiver.origin}/`,
    );
    const { webhookJournal } = seed.repositories;
    const dead = "0123456789abcdef01234567";
    const accountId = seed.account.account.id;
    const entries = [...opened, new ObjectId().toHexString()].map((incidentId, index) => ({
      id: journalEntryId(dead, [2, 3, 6, 7][index] ?? 0),
      accountId,
      incidentId,
      webhookIds: [webhook.id],
    }));
    for (const entry of entries) await webhookJournal.record(entry);
    await webhookJournal.beat({ instanceId: dead, lowest: 2, reservedUpTo: 9 });

    await waitFor("3 events", () => (answered.length >= 3 ? true : undefined), 30_000, 100);
    // Anything sent twice, or for the incident never stored, would arrive within this.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(deliveredIds(answered, secret).sort()).toEqual(opened.map((id) => `evt_${id}_1`).sort());
    expect(await webhookJournal.entries(entries.map((entry) => entry.id))).toEqual([]);
    const beats = await webhookJournal.beats();
    expect(beats.map((beat) => beat.instanceId)).not.toContain(dead);
    expect(survivor.child.exitCode).toBeNull();
  }, 60_000);
});
