import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Console,
  openConsole,
  openPage,
  screenshot,
  seriousViolations,
  signIn,
  world,
} from "./console.js";

const admin = () => ({ authorization: `Bearer ${world().adminToken}` });

/** The account's services as the API lists them (to check what the console did). */
async function services(): Promise<Array<{ id: string; name: string; teamId: string }>> {
  const response = await fetch(`${world().baseUrl}/v1/services`, { headers: admin() });
  return (await response.json()).items;
}

describe("the Teams page, and a service's team", () => {
  let browser: Console;

  beforeAll(async () => {
    browser = await openConsole();
    await signIn(browser.page);
  });
  afterAll(async () => {
    // Other suites send incidents with the global token: the service made here must not
    // open incidents of its own beside theirs.
    const made = (await services()).find((service) => service.name === "Checkout");
    if (made) {
      await fetch(`${world().baseUrl}/v1/services/${made.id}`, {
        method: "PATCH",
        headers: { ...admin(), "content-type": "application/json" },
        body: JSON.stringify({ state: "disabled" }),
      });
    }
    await browser.close();
  });

  it("creates a team, and a service in it", async () => {
    const { page } = browser;
    await openPage(page, "Teams");
    const create = page.getByRole("region", { name: "New team" });
    await create.getByLabel("Name").fill("Platform");
    await create.getByRole("button", { name: "Create team" }).click();
    const row = page.getByRole("row", { name: /Platform/ });
    await expect.poll(() => row.getByText("No services").count()).toBe(1);
    expect(await page.getByRole("row", { name: /Default team/ }).count()).toBe(1);

    await openPage(page, "Services");
    const newService = page.getByRole("region", { name: "New service" });
    await newService.getByLabel("Name").fill("Checkout");
    await newService.getByLabel("Team").selectOption({ label: "Platform" });
    await newService.getByRole("button", { name: "Create service" }).click();
    await page.getByRole("heading", { level: 1, name: "Service Checkout" }).waitFor();
    expect(await page.getByLabel("Team").inputValue()).toBe(
      (await services()).find((service) => service.name === "Checkout")?.teamId,
    );

    await openPage(page, "Services");
    const serviceRow = page.getByRole("row", { name: /Checkout/ });
    await expect.poll(() => serviceRow.getByRole("cell", { name: "Platform" }).count()).toBe(1);
    await openPage(page, "Teams");
    await expect.poll(() => row.getByRole("link", { name: "Checkout" }).count()).toBe(1);
    await page.waitForLoadState("networkidle");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "teams");
  });

  it("refuses to delete a team that still has a service, naming it", async () => {
    const { page } = browser;
    const row = page.getByRole("row", { name: /Platform/ });
    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Delete Platform for good" }).click();
    const alert = row.getByRole("alert");
    await expect.poll(() => alert.textContent()).toMatch(/still has 1 service: Checkout \(/);
    expect(await page.getByRole("row", { name: /Platform/ }).count()).toBe(1);
    await row.getByRole("button", { name: "Cancel" }).click();
  });

  it("renames a team", async () => {
    const { page } = browser;
    const row = page.getByRole("row", { name: /Platform/ });
    await row.getByRole("button", { name: "Rename" }).click();
    await row.getByLabel("New name of Platform").fill("Payments");
    await row.getByRole("button", { name: "Save the name" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Platform/ }).count()).toBe(0);
    const renamed = page.getByRole("row", { name: /Payments/ });
    expect(await renamed.getByRole("link", { name: "Checkout" }).count()).toBe(1);
  });

  it("moves the service to another team on its page, then deletes the empty team", async () => {
    const { page } = browser;
    await page
      .getByRole("row", { name: /Payments/ })
      .getByRole("link", { name: "Checkout" })
      .click();
    await page.getByRole("heading", { level: 1, name: "Service Checkout" }).waitFor();
    await page.getByLabel("Team").selectOption({ label: "Default" });
    const defaultTeam = (await (
      await fetch(`${world().baseUrl}/v1/teams`, { headers: admin() }).then((r) => r.json())
    ).items[0]) as { id: string; isDefault: boolean };
    expect(defaultTeam.isDefault).toBe(true);
    await expect
      .poll(async () => (await services()).find((service) => service.name === "Checkout")?.teamId)
      .toBe(defaultTeam.id);

    await openPage(page, "Teams");
    const row = page.getByRole("row", { name: /Payments/ });
    await expect.poll(() => row.getByText("No services").count()).toBe(1);
    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Delete Payments for good" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Payments/ }).count()).toBe(0);
  });

  it("creates a team token with the team picked in the token form", async () => {
    const { page } = browser;
    await openPage(page, "Teams");
    const create = page.getByRole("region", { name: "New team" });
    await create.getByLabel("Name").fill("Edge");
    await create.getByRole("button", { name: "Create team" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Edge/ }).count()).toBe(1);

    await openPage(page, "API Tokens");
    const form = page.getByRole("region", { name: "New token" });
    await form.getByLabel("Name").fill("edge-alerts");
    await form.getByLabel("Scope").selectOption("team");
    await form.getByLabel("Team").selectOption({ label: "Edge" });
    await form.getByRole("button", { name: "Create token" }).click();
    const secret = (await page.locator("code.secret").textContent()) ?? "";
    expect(secret).toMatch(/^sqibs_t_/);
    await page.getByRole("button", { name: "I have copied it" }).click();
    const row = page.getByRole("row", { name: /edge-alerts/ });
    expect(await row.getByRole("cell", { name: "Team Edge" }).count()).toBe(1);

    const tokens = await fetch(`${world().baseUrl}/v1/tokens`, { headers: admin() }).then((r) =>
      r.json(),
    );
    const teams = await fetch(`${world().baseUrl}/v1/teams`, { headers: admin() }).then((r) =>
      r.json(),
    );
    const token = tokens.items.find((item: { name: string }) => item.name === "edge-alerts");
    const edge = teams.items.find((item: { name: string }) => item.name === "Edge");
    expect(token).toMatchObject({ scope: "team", teamId: edge.id });
  });
});
