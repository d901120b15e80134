import { type Receiver, startReceiver } from "@sqibs/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Console,
  openConsole,
  openPage,
  screenshot,
  sendIncident,
  seriousViolations,
  signIn,
  world,
} from "./console.js";

const admin = () => ({ authorization: `Bearer ${world().adminToken}` });

/**
 * Something on every page: a request, a debug token's logged call, a maintenance window, a
 * webhook (to `receiverUrl`) with a delivery.
 */
async function seed(receiverUrl: string): Promise<string> {
  const json = { ...admin(), "content-type": "application/json" };
  const request = await fetch(`${world().baseUrl}/v1/request?from=Jenkins`, {
    method: "POST",
    headers: { authorization: `Bearer ${world().globalToken}`, "content-type": "application/json" },
    body: JSON.stringify({ workflowId: "restart-db", host: "db-1" }),
  });
  expect(request.status).toBe(201);
  const issued = await fetch(`${world().baseUrl}/v1/tokens`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ name: "zabbix", scope: "global", debug: true }),
  }).then((response) => response.json());
  const logged = await fetch(`${world().baseUrl}/v1/process?from=Zabbix&token=${issued.secret}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "CPU high on web-2" }),
  });
  expect(logged.status).toBe(201);
  const maintenance = await fetch(
    `${world().baseUrl}/v1/services/${world().serviceId}/maintenance`,
    {
      method: "PUT",
      headers: json,
      body: JSON.stringify({
        start: new Date(Date.now() + 86_400_000).toISOString(),
        end: new Date(Date.now() + 90_000_000).toISOString(),
        tags: [["disk", "/var"], ["deploy"]],
      }),
    },
  );
  expect(maintenance.status).toBe(200);
  const webhook = await fetch(`${world().baseUrl}/v1/webhooks`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ scope: "global", url: receiverUrl, events: ["incident.triggered"] }),
  });
  expect(webhook.status).toBe(201);
  await sendIncident({ title: "Replication lag on db-2" }, "Grafana");
  return (await webhook.json()).webhook.id;
}

const PAGES = [
  ["Incidents", "incidents"],
  ["Requests", "requests"],
  ["Services", "services"],
  ["Teams", "teams"],
  ["API Tokens", "api-tokens"],
  ["Webhooks", "webhooks"],
  ["API call logs", "api-logs"],
  ["Maintenance", "maintenance"],
  ["Account", "account"],
] as const;

describe("every page: accessible, and in a screenshot", () => {
  let browser: Console;
  let receiver: Receiver;
  let receiverUrl: string;
  let webhookId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    receiverUrl = `${receiver.origin}/pages`;
    webhookId = await seed(receiverUrl);
    browser = await openConsole();
  });
  afterAll(async () => {
    await browser.close();
    // Nothing more for a receiver that stops here.
    await fetch(`${world().baseUrl}/v1/webhooks/${webhookId}`, {
      method: "DELETE",
      headers: admin(),
    });
    await receiver.close();
  });

  it("the sign-in page has no serious or critical axe violation", async () => {
    await browser.page.goto(`${world().baseUrl}/console/`);
    await expect.poll(() => browser.page.getByLabel("Admin token").count()).toBe(1);
    expect(await seriousViolations(browser.page)).toEqual([]);
    await signIn(browser.page);
  });

  it.each(PAGES)("%s has no serious or critical axe violation", async (name, file) => {
    const { page } = browser;
    await openPage(page, name);
    await page.waitForLoadState("networkidle");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `page-${file}`);
  });

  it("detail pages (service, incident, request, webhook) have no serious or critical axe violation", async () => {
    const { page } = browser;
    for (const [list, link, file] of [
      ["Services", "Default", "service"],
      ["Incidents", "Grafana - Replication lag on db-2", "incident"],
      ["Requests", "Request from Jenkins", "request"],
      ["Webhooks", receiverUrl, "webhook"],
    ] as const) {
      await openPage(page, list);
      await page.getByRole("link", { name: link }).first().click();
      await expect.poll(() => page.getByRole("heading", { level: 1 }).count()).toBe(1);
      await page.waitForLoadState("networkidle");
      expect(await seriousViolations(page), file).toEqual([]);
      await screenshot(page, `page-${file}-detail`);
    }
  });

  it("every control is reachable by keyboard", async () => {
    const { page } = browser;
    await page.goto(`${world().baseUrl}/console/tokens`);
    await page.getByRole("heading", { level: 1, name: "API Tokens" }).waitFor();
    // The token rows (each with its debug switch) arrive after the heading: tab once they are in.
    await page
      .getByRole("switch", { name: /^Debug \(API call log\)/ })
      .first()
      .waitFor();
    const reached = new Set<string>();
    for (let step = 0; step < 60; step += 1) {
      await page.keyboard.press("Tab");
      reached.add(
        await page.evaluate(() => {
          const active = document.activeElement as HTMLElement | null;
          return `${active?.tagName}:${active?.getAttribute("aria-label") ?? active?.textContent?.trim()}`;
        }),
      );
    }
    expect(reached).toContain("A:Skip to content");
    expect(reached).toContain("BUTTON:Sign out");
    expect([...reached].some((name) => name.startsWith("BUTTON:Copy Base URL"))).toBe(true);
    expect([...reached].some((name) => name.startsWith("INPUT:Debug (API call log)"))).toBe(true);
  });

  it("reads right to left in Arabic, with dates through Intl", async () => {
    const { page } = browser;
    await page.getByLabel("Console language").selectOption("ar");
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe("rtl");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("ar");
    await openPage(page, "الحوادث");
    const opened = await page.locator("tbody tr").first().locator("td").nth(6).textContent();
    expect(opened).toMatch(/[\u0600-\u06FF\u200F]/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "page-incidents-ar");
    await openPage(page, "خطافات الويب");
    await page.waitForLoadState("networkidle");
    // The URL reads left to right inside the right-to-left page.
    const url = page.getByRole("link", { name: receiverUrl });
    expect(await url.evaluate((link) => getComputedStyle(link).direction)).toBe("ltr");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "page-webhooks-ar");
    await page.getByLabel("لغة وحدة التحكم").selectOption("en");
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe("ltr");
  });
});
