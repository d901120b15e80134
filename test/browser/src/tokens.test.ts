import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Console,
  openConsole,
  openPage,
  resetFilter,
  screenshot,
  signIn,
  world,
} from "./console.js";

/** The seed's final endpoints for a base URL and token, written out from its text. */
function seedEndpoints(base: string, token: string, from: string): string[] {
  const urls: string[] = [];
  for (const prefix of ["", "/sqibs-api"]) {
    for (const endpoint of ["process", "request"]) {
      const url = `${base}${prefix}/v1/${endpoint}`;
      urls.push(
        url,
        `${url}?from=${from}`,
        `${url}?token=${token}`,
        `${url}?from=${from}&token=${token}`,
      );
    }
  }
  return urls;
}

describe("sign-in and the API Tokens page", () => {
  let browser: Console;

  beforeAll(async () => {
    await resetFilter();
    browser = await openConsole();
  });
  afterAll(() => browser.close());

  it("signs in with an admin token that the browser does not keep", async () => {
    const { page } = browser;
    await page.goto(`${world().baseUrl}/console/`);
    await screenshot(page, "sign-in");
    await signIn(page);
    const cookies = await browser.context.cookies();
    const session = cookies.find((cookie) => cookie.name === "sqibs_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", secure: false });
    const stored = await page.evaluate(() =>
      JSON.stringify({ ...window.localStorage, ...window.sessionStorage, cookie: document.cookie }),
    );
    expect(stored).not.toContain(world().adminToken);
    expect(stored).not.toContain(session?.value);
  });

  it("creates a token, shows its secret once, and lists the seed's endpoints for it", async () => {
    const { page } = browser;
    await openPage(page, "API Tokens");
    await expect.poll(() => page.locator("code.base-url").textContent()).toBe(world().baseUrl);

    const create = page.getByRole("region", { name: "New token" });
    await create.getByLabel("Name").fill("grafana");
    await create.getByRole("button", { name: "Create token" }).click();
    const secretBox = page.getByRole("region", { name: "Secret of grafana" });
    const secret = (await secretBox.locator("code.secret").textContent()) ?? "";
    expect(secret).toMatch(/^sqibs_g_[0-9A-Za-z]{40}$/);

    const endpoints = page.getByRole("region", { name: "Endpoints" });
    await expect
      .poll(() => endpoints.locator("code.endpoint-url").allTextContents())
      .toEqual(seedEndpoints(world().baseUrl, secret, "FromValue"));
    const copies = endpoints.getByRole("button", { name: /^Copy URL: / });
    expect(await copies.count()).toBe(16);
    await screenshot(page, "api-tokens");

    // The secret works as the endpoints say: as the URL parameter, with from.
    const response = await fetch(`${world().baseUrl}/v1/process?from=Console&token=${secret}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "sent with the copied URL" }),
    });
    expect(response.status).toBe(201);

    await secretBox.getByRole("button", { name: "I have copied it" }).click();
    expect(await page.locator("code.secret").count()).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByRole("cell", { name: "grafana" }).count()).toBeGreaterThan(0);
    expect(await page.content()).not.toContain(secret);
  });

  it("switches debug on, and rotates and revokes a token", async () => {
    const { page } = browser;
    const debug = page.getByRole("switch", { name: "Debug (API call log) for grafana" });
    await debug.check();
    await expect.poll(() => debug.isChecked()).toBe(true);
    const row = page.getByRole("row", { name: /grafana/ });
    await row.getByRole("button", { name: "Rotate" }).click();
    await row.getByLabel("Old secret stays valid for").selectOption("3600");
    await row.getByRole("button", { name: "Rotate grafana now" }).click();
    const rotated = (await page.locator("code.secret").textContent()) ?? "";
    expect(rotated).toMatch(/^sqibs_g_/);
    await page.getByRole("button", { name: "I have copied it" }).click();
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke grafana for good" }).click();
    await expect.poll(() => row.getByText(/^Revoked/).count()).toBe(1);
    const refused = await fetch(`${world().baseUrl}/v1/process?token=${rotated}`, {
      method: "POST",
    });
    expect(refused.status).toBe(401);
  });

  it("refuses a management call with the session cookie but without the CSRF header", async () => {
    const { page } = browser;
    const status = await page.evaluate(async () => {
      const response = await fetch("/v1/account", {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Forged" }),
      });
      return response.status;
    });
    expect(status).toBe(403);
    const account = await page.evaluate(
      async () => (await (await fetch("/v1/account")).json()).name,
    );
    expect(account).toBe("Acme Ops");
  });

  it("signs out, and the session cookie stops working on the server", async () => {
    const { page, context } = browser;
    const cookie = (await context.cookies()).find((item) => item.name === "sqibs_session");
    const withCookie = () =>
      fetch(`${world().baseUrl}/v1/account`, {
        headers: { cookie: `sqibs_session=${cookie?.value}` },
      });
    expect((await withCookie()).status).toBe(200);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.getByLabel("Admin token").count()).toBe(1);
    expect((await withCookie()).status).toBe(401);
  });
});
