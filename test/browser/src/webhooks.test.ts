import { type Received, type Receiver, startReceiver } from "@sqibs/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Console,
  openConsole,
  openPage,
  resetFilter,
  screenshot,
  sendIncident,
  seriousViolations,
  signIn,
} from "./console.js";

/** What the receiver answers: HTML, which the delivery log must show as characters. */
const HOSTILE_ANSWER = '<b>received</b><img src=x onerror="alert(1)">';

/** The message's body, if its signature verifies with the secret (as a receiver checks it). */
function verifiedWith(secret: string, message: Received): { type: string } {
  return new Webhook(secret).verify(message.body, {
    "webhook-id": String(message.headers["webhook-id"]),
    "webhook-timestamp": String(message.headers["webhook-timestamp"]),
    "webhook-signature": String(message.headers["webhook-signature"]),
  }) as { type: string };
}

describe("the Webhooks page: create, secret once, test, delivery log, rotate", () => {
  let browser: Console;
  let receiver: Receiver;
  let url: string;
  let secret = "";

  const typesReceived = () => receiver.received.map((message) => JSON.parse(message.body).type);

  beforeAll(async () => {
    await resetFilter();
    receiver = await startReceiver((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" }).end(HOSTILE_ANSWER);
    });
    url = `${receiver.origin}/hooks/sqibs`;
    browser = await openConsole();
    await signIn(browser.page);
  });
  afterAll(async () => {
    await browser.close();
    await receiver.close();
  });

  it("creates a webhook and shows its signing secret once", async () => {
    const { page } = browser;
    await openPage(page, "Webhooks");
    const create = page.getByRole("region", { name: "New webhook" });
    expect(await create.getByLabel("Scope").inputValue()).toBe("global");
    await create.getByLabel("URL").fill(url);
    // The lifecycle is chosen to begin with; a repeat joining an open incident is not.
    const events = create.getByRole("group", { name: "Events" });
    expect(await events.getByLabel(/incident\.triggered/).isChecked()).toBe(true);
    expect(await events.getByLabel(/incident\.event_added/).isChecked()).toBe(false);
    await events.getByLabel(/incident\.unacknowledged/).uncheck();
    // A workflow id is asked for only with request.created, which it narrows.
    expect(await create.getByLabel(/Workflow ID/).count()).toBe(0);
    await events.getByLabel(/request\.created/).check();
    await create.getByLabel(/Workflow ID/).fill("restart-db");
    await create.getByRole("button", { name: "Create webhook" }).click();

    const card = page.getByRole("region", { name: `Signing secret of ${url}` });
    secret = (await card.locator("code.secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    const row = page.getByRole("row", { name: new RegExp(url) });
    await expect.poll(() => row.getByText("Enabled").count()).toBe(1);
    expect(await row.getByText("Incident unacknowledged").count()).toBe(0);
    expect(await row.getByText("Incident triggered").count()).toBe(1);
    await page.waitForLoadState("networkidle");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "webhooks");

    await card.getByRole("button", { name: "I have copied it" }).click();
    expect(await page.locator("code.secret").count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole("link", { name: url }).count()).toBe(1);
    expect(await page.content()).not.toContain(secret);
  });

  it("sends a test event, signed with that secret, and shows its outcome", async () => {
    const { page } = browser;
    await page.getByRole("link", { name: url }).click();
    await page
      .getByRole("heading", { level: 1, name: `Webhook to ${new URL(url).host}` })
      .waitFor();
    expect(await page.locator("dl.facts").getByText("restart-db").count()).toBe(1);
    await page.getByRole("button", { name: "Send a test event" }).click();
    const outcome = page.getByRole("status").filter({ hasText: "Test delivered:" });
    await expect.poll(() => outcome.textContent()).toContain("HTTP 200");
    expect(receiver.received).toHaveLength(1);
    expect(verifiedWith(secret, receiver.received[0] as Received).type).toBe("webhook.test");
  });

  it("lists the delivery with its attempt, the answer as text, and an incident's event", async () => {
    const { page, errors, dialogs } = browser;
    // From here on: the receiver's HTML answer stays text and runs nothing.
    errors.length = 0;
    const log = page.getByRole("table", { name: "Delivery log" });
    const testRow = log.getByRole("row", { name: /Test event/ });
    await expect.poll(() => testRow.getByText("Delivered").count()).toBe(1);
    expect(await testRow.getByText("HTTP 200").count()).toBe(1);
    expect(await testRow.getByText(/· test/).count()).toBe(1);
    await testRow.getByText("Response (first 1 KB, as text)").click();
    expect(await testRow.getByTestId("attempt-response").textContent()).toBe(HOSTILE_ANSWER);
    expect(await log.locator("img").count()).toBe(0);

    // An incident goes out through the dispatcher and shows up without a reload.
    await sendIncident({ title: "Checkout latency above 2 s" }, "Grafana");
    const incidentRow = log.getByRole("row", { name: /Incident triggered/ });
    await expect
      .poll(() => incidentRow.getByText("Delivered").count(), { timeout: 20_000 })
      .toBe(1);
    expect(typesReceived()).toContain("incident.triggered");
    await page.waitForLoadState("networkidle");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "webhook-deliveries");

    // Redelivered: sent again with the same webhook-id, a second attempt in the log.
    const first = receiver.received.find(
      (message) => JSON.parse(message.body).type === "webhook.test",
    );
    await testRow.getByRole("button", { name: /^Redeliver Test event/ }).click();
    await expect
      .poll(() => testRow.locator("ol.attempts > li").count(), { timeout: 20_000 })
      .toBe(2);
    const again = receiver.received.filter(
      (message) => message.headers["webhook-id"] === first?.headers["webhook-id"],
    );
    expect(again).toHaveLength(2);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("rotates the secret: the new one is shown once and signs the next message", async () => {
    const { page } = browser;
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByLabel("Old secret keeps signing for").selectOption("0");
    await page.getByRole("button", { name: "Rotate the secret now" }).click();
    const card = page.getByRole("region", { name: `Signing secret of ${url}` });
    const rotated = (await card.locator("code.secret").textContent()) ?? "";
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await card.getByRole("button", { name: "I have copied it" }).click();

    const before = receiver.received.length;
    await page.getByRole("button", { name: "Send a test event" }).click();
    await expect.poll(() => receiver.received.length).toBe(before + 1);
    const message = receiver.received.at(-1) as Received;
    expect(verifiedWith(rotated, message).type).toBe("webhook.test");
    expect(() => verifiedWith(secret, message)).toThrow();
  });

  it("edits the events, the format and the switch", async () => {
    const { page } = browser;
    const settings = page.getByRole("region", { name: "Settings" });
    await settings.getByLabel(/incident\.event_added/).check();
    await settings.getByLabel("Format").selectOption("slack");
    await settings.getByLabel("Enabled").uncheck();
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => settings.getByText("Settings saved.").count()).toBe(1);
    const facts = page.locator("dl.facts");
    await expect.poll(() => facts.getByText("Slack message").count()).toBe(1);
    expect(await facts.getByText("Disabled").count()).toBe(1);
    expect(await facts.getByText("Repeat joined an open incident").count()).toBe(1);
  });

  it("creates a team webhook with its team picked, then deletes webhooks after a confirmation", async () => {
    const { page } = browser;
    await page.getByRole("button", { name: "Delete webhook" }).click();
    await page.getByRole("button", { name: "Delete this webhook for good" }).click();
    await page.getByRole("heading", { level: 1, name: "Webhooks" }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: url }).count()).toBe(0);

    const create = page.getByRole("region", { name: "New webhook" });
    await create.getByLabel("Scope").selectOption("team");
    await create.getByLabel("Team").selectOption({ label: "Default" });
    const events = create.getByRole("group", { name: "Events" });
    expect(await events.getByLabel(/request\.created/).isDisabled()).toBe(true);
    const teamUrl = `${receiver.origin}/team`;
    await create.getByLabel("URL").fill(teamUrl);
    await create.getByRole("button", { name: "Create webhook" }).click();
    await page.getByRole("button", { name: "I have copied it" }).click();
    const row = page.getByRole("row", { name: new RegExp(teamUrl) });
    await expect.poll(() => row.getByRole("cell", { name: "Team Default" }).count()).toBe(1);

    await row.getByRole("link", { name: teamUrl }).click();
    await page.getByRole("button", { name: "Delete webhook" }).click();
    await page.getByRole("button", { name: "Delete this webhook for good" }).click();
    await page.getByRole("heading", { level: 1, name: "Webhooks" }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: teamUrl }).count()).toBe(0);
  });
});
