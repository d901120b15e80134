import { deleteWebhook } from "@sqibs/api-client";
import { type Receiver, startReceiver, waitFor } from "@sqibs/testing";
import { uniqueDatabaseName } from "@sqibs/testing/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, newAccount, trigger } from "../management/support.js";
import { newWebhook, receivedAtLeast, webhookService } from "./support.js";

// A webhook deleted through one instance: another instance on the same database never hears
// of it, and must still forget its URL (a secret: user-info, query) by itself, once it sends
// to it no more (its queued rounds went with the webhook; its cached webhook list expires)
// and the URL has gone unused for the idle time. Both instances run in this process: the
// sender's checked URLs are kept per instance and can be asked about; the signers are kept
// per process (signing.ts), so the deleting instance's forgetting would be the other's too:
// they are not asked about here (packages/webhooks forget-idle.test.ts: the same timer).

/** Short for the test; the service's default is ten minutes (MEMO_IDLE_MS). */
const IDLE_MS = 4_000;

const started: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of started.splice(0).reverse()) await item.close();
});

describe("a webhook deleted through another instance", () => {
  it("is forgotten by the instance that sent to it, an idle time after its last attempt", async () => {
    // Every attempt fails: the sending instance is still retrying when the delete comes.
    const receiver: Receiver = await startReceiver((_request, response) => {
      response.writeHead(500).end();
    });
    started.push(receiver);
    const dbName = uniqueDatabaseName("webhook_forget_elsewhere");
    // A only answers the management API; B sends.
    const a = await webhookService("webhook_forget_a", { MONGODB_DB: dbName, dispatcher: false });
    started.push(a);
    const b = await webhookService("webhook_forget_b", {
      MONGODB_DB: dbName,
      webhookForgetIdleMs: IDLE_MS,
    });
    started.push(b);
    const acme = await newAccount(a);
    const url = `http://someone:pa55w0rd@127.0.0.1:${receiver.port}/hook?token=t0k3n`;
    const hook = await newWebhook(acme.admin, {
      scope: "global",
      url,
      events: ["incident.triggered"],
    });

    await trigger(clientFor(b, acme.globalToken.secret));
    await receivedAtLeast(receiver.received, 2);
    expect(b.deps.webhooks.send.isTargetKept(url)).toBe(true);
    expect(a.deps.webhooks.send.isTargetKept(url)).toBe(false);

    const deleted = await deleteWebhook({
      client: acme.admin,
      path: { webhookId: hook.webhook.id },
    });
    expect(deleted.response?.status).toBe(204);
    // B was not told: it still holds the URL (and may send for a moment on its cached list).
    expect(b.deps.webhooks.send.isTargetKept(url)).toBe(true);

    // Every attempt reads the URL's target, which keeps it: forgotten means B made no attempt
    // to it for the idle time, and holds it no more.
    await waitFor("B to forget the URL", () =>
      b.deps.webhooks.send.isTargetKept(url) ? undefined : true,
    );
  });
});
