import type {
  IssuedToken,
  IssuedWebhook,
  Service,
  Team,
  Webhook,
  WebhookDeliveryPage,
  WebhookTestResult,
} from "@sqibs/api-client";
import { type Receiver, startReceiver, waitFor } from "@sqibs/testing";
import { Webhook as Verifier } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningService, sqibs, sqibsJson, startService } from "./support.js";

interface InitResult {
  team: { id: string };
  service: { id: string };
  globalToken: { secret: string };
  adminToken: { secret: string };
}

describe("sqibs teams and sqibs webhooks", () => {
  let service: RunningService;
  let receiver: Receiver;
  let init: InitResult;
  const admin = () => ({ SQIBS_URL: service.url, SQIBS_TOKEN: init.adminToken.secret });

  beforeAll(async () => {
    receiver = await startReceiver();
    service = await startService("cli-teams-webhooks", {
      WEBHOOK_ALLOW_HTTP: "true",
      WEBHOOK_ALLOWED_CIDRS: "127.0.0.0/8",
    });
    init = await sqibsJson<InitResult>(["init", "--name", "Acme"], {
      env: { MONGODB_URI: service.mongodbUri, MONGODB_DB: service.dbName },
    });
  });
  afterAll(async () => {
    await service.stop();
    await receiver.close();
  });

  it("creates, lists, renames and deletes teams; moves services; issues team tokens", async () => {
    const created = await sqibs(["teams", "create", "Platform"], { env: admin() });
    expect(created.code, created.stderr).toBe(0);
    const teamId = /^ID: +([0-9a-f]{24})$/m.exec(created.stdout)?.[1] ?? "";
    const listed = await sqibs(["teams", "list"], { env: admin() });
    expect(listed.stdout).toMatch(
      /^ID +NAME +DEFAULT +CREATED\n\S+ +Default +yes .*\n\S+ +Platform +no /,
    );
    const moved = await sqibsJson<Service>(["services", "create", "API", "--team", teamId], {
      env: admin(),
    });
    expect(moved.teamId).toBe(teamId);
    const token = await sqibsJson<IssuedToken>(
      ["tokens", "create", "platform", "--scope", "team", "--team", teamId],
      { env: admin() },
    );
    expect(token.token).toMatchObject({ scope: "team", teamId });
    const refused = await sqibs(["teams", "delete", teamId], { env: admin() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sqibs: The team still has 1 service: API \(/);
    await sqibsJson<Service>(["services", "move", moved.id, "--team", init.team.id], {
      env: admin(),
    });
    const renamed = await sqibsJson<Team>(["teams", "rename", teamId, "SRE"], { env: admin() });
    expect(renamed.name).toBe("SRE");
    const deleted = await sqibs(["teams", "delete", teamId], { env: admin() });
    expect(deleted.stdout).toBe(`Team ${teamId} deleted.\n`);
  });

  it("creates a webhook, tests it, shows its deliveries, redelivers, rotates and deletes it", async () => {
    const created = await sqibsJson<IssuedWebhook>(
      ["webhooks", "create", `${receiver.origin}/hook`, "--events", "incident.triggered"],
      { env: admin() },
    );
    expect(created.secret).toMatch(/^whsec_/);
    const id = created.webhook.id;
    const human = await sqibs(["webhooks", "show", id], { env: admin() });
    expect(human.stdout).toContain(`Events:         incident.triggered`);
    expect(human.stdout).not.toContain(created.secret);

    const tested = await sqibsJson<WebhookTestResult>(["webhooks", "test", id], { env: admin() });
    expect(tested.delivered).toBe(true);
    const testLine = await sqibs(["webhooks", "test", id], { env: admin() });
    expect(testLine.stdout).toMatch(/^Delivered: \S+ 204 \(/);

    const sent = await sqibs(["send"], {
      env: { SQIBS_URL: service.url, SQIBS_TOKEN: init.globalToken.secret },
      input: "disk full",
    });
    expect(sent.code, sent.stderr).toBe(0);
    const message = await waitFor("the event", () =>
      receiver.received.find((m) => JSON.parse(m.body).type === "incident.triggered"),
    );
    const event = new Verifier(created.secret).verify(message.body, {
      "webhook-id": String(message.headers["webhook-id"]),
      "webhook-timestamp": String(message.headers["webhook-timestamp"]),
      "webhook-signature": String(message.headers["webhook-signature"]),
    }) as { id: string };
    const log = await waitFor("a succeeded delivery", async () => {
      const page = await sqibsJson<WebhookDeliveryPage>(
        ["webhooks", "deliveries", id, "--status", "succeeded", "--all"],
        { env: admin() },
      );
      return page.items.some((item) => item.eventId === event.id) ? page : undefined;
    });
    const delivery = log.items.find((item) => item.eventId === event.id);
    const redelivered = await sqibs(["webhooks", "redeliver", id, delivery?.id ?? ""], {
      env: admin(),
    });
    expect(redelivered.stdout).toBe(`Delivery ${delivery?.id} (${event.id}) is due now.\n`);
    await waitFor("the redelivery", () =>
      receiver.received.filter((m) => m.headers["webhook-id"] === event.id).length >= 2
        ? true
        : undefined,
    );

    const rotated = await sqibsJson<IssuedWebhook>(
      ["webhooks", "rotate-secret", id, "--grace", "0"],
      {
        env: admin(),
      },
    );
    expect(rotated.secret).not.toBe(created.secret);
    const disabled = await sqibsJson<Webhook>(["webhooks", "disable", id], { env: admin() });
    expect(disabled.enabled).toBe(false);
    const listed = await sqibs(["webhooks", "list"], { env: admin() });
    expect(listed.stdout).toContain(`${id}  global`);
    const gone = await sqibs(["webhooks", "delete", id], { env: admin() });
    expect(gone.stdout).toBe(`Webhook ${id} deleted.\n`);
    const missing = await sqibs(["webhooks", "show", id], { env: admin() });
    expect(missing.stderr).toMatch(/^sqibs: No webhook with id/);
  });

  it("refuses unknown event types before calling the service", async () => {
    const run = await sqibs(
      ["webhooks", "create", "https://hooks.example.com/", "--events", "incident.nope"],
      { env: admin() },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/event types among incident\.triggered/);
  });
});
