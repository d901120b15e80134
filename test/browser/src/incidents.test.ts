import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Console,
  openConsole,
  openPage,
  resetFilter,
  screenshot,
  sendIncident,
  signIn,
} from "./console.js";

describe("incidents in the console", () => {
  let browser: Console;

  beforeAll(async () => {
    browser = await openConsole();
    await signIn(browser.page);
    await resetFilter();
  });
  afterAll(() => browser.close());

  it("shows a new incident without a reload, then acknowledges and resolves it", async () => {
    const { page } = browser;
    await openPage(page, "Incidents");
    const loaded = await page.evaluate(() => performance.timeOrigin);
    const title = `Disk full ${Date.now()}`;
    await sendIncident({ title, host: "db-1" }, "Prometheus");
    const link = page.getByRole("link", { name: `Prometheus - ${title}` });
    await expect.poll(() => link.count(), { timeout: 15_000 }).toBe(1);
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loaded);
    await screenshot(page, "incidents");

    await link.click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toContain(title);
    await page.getByLabel("Comment (optional)").fill("Looking at it");
    await page.getByRole("button", { name: "Acknowledge" }).click();
    const timeline = page.getByRole("region", { name: "Timeline" });
    await expect.poll(() => timeline.getByText("Looking at it").count()).toBe(1);
    await page.getByLabel("Comment (optional)").fill("Cleaned up /var");
    await page.getByRole("button", { name: "Resolve" }).click();
    await expect.poll(() => timeline.getByText("Cleaned up /var").count()).toBe(1);
    expect(await page.getByText("Resolved", { exact: true }).count()).toBeGreaterThan(0);
    expect(await page.getByTestId("raw-payload").textContent()).toBe(
      JSON.stringify({ title, host: "db-1" }, null, 2),
    );
    await screenshot(page, "incident");
  });

  it("keeps hostile text as text: nothing runs, no dialog, no console error", async () => {
    const { page, errors, dialogs } = browser;
    await openPage(page, "Incidents");
    errors.length = 0;
    const title = "<img src=x onerror=alert(1)>";
    const script = "</script><script>alert(2)</script>";
    await sendIncident(`{"title":${JSON.stringify(title)},"note":${JSON.stringify(script)}}`);
    const link = page.getByRole("link", { name: title });
    await expect.poll(() => link.count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator("main img").count()).toBe(0);
    await link.click();
    await expect.poll(() => page.getByTestId("raw-payload").textContent()).toContain(script);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain(title);
    expect(await page.locator("img, main script").count()).toBe(0);

    // And a payload that is not JSON at all, shown as it came.
    await sendIncident(`plain text ${script}`);
    await openPage(page, "Incidents");
    await page.getByRole("link", { name: "Incident from unknown source" }).first().click();
    await expect
      .poll(() => page.getByTestId("raw-payload").textContent())
      .toBe(`plain text ${script}`);
    await page.waitForTimeout(500);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});
