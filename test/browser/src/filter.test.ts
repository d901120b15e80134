import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Console, openConsole, openPage, screenshot, signIn, world } from "./console.js";

describe("the API filter editor and its dry-run panel", () => {
  let browser: Console;

  beforeAll(async () => {
    browser = await openConsole();
    await signIn(browser.page);
  });
  afterAll(() => browser.close());

  it("builds a filter, tries payloads against it unsaved, and saves it", async () => {
    const { page } = browser;
    await openPage(page, "Services");
    await page.getByRole("link", { name: "Default" }).click();
    const editor = page.getByRole("region", { name: "API Filter" });
    const trial = page.getByRole("region", { name: "Try a payload" });
    await expect.poll(() => editor.count()).toBe(1);

    await editor.getByRole("button", { name: "Add a trigger filter" }).click();
    const trigger = editor.getByRole("group", { name: "Trigger filter 1" });
    await trigger.getByRole("button", { name: /Add a condition/ }).click();
    const condition = trigger.getByRole("group", { name: "Condition 1" });
    await condition.getByLabel("Payload key").fill("status");
    await condition.getByLabel("Contains value 1").fill("firing");
    await trigger.getByLabel("Incident title from").fill("alert.summary");
    await trigger.getByLabel("Map incident with").fill("alert.id");

    const payload = trial.getByLabel("Payload");
    await payload.fill(
      JSON.stringify({
        status: "firing",
        alert: { summary: "Disk full on db-1", id: "db-1-disk" },
      }),
    );
    await trial.getByLabel("from").fill("Prometheus");
    await expect
      .poll(() => trial.getByTestId("trial-title").textContent())
      .toBe("Prometheus - Disk full on db-1");
    expect(await trial.getByTestId("trial-decision").textContent()).toContain("Opens an incident");
    expect(await trial.getByTestId("trial-correlation").textContent()).toBe("db-1-disk");

    // As you type: a payload the condition does not pass.
    await payload.fill(JSON.stringify({ status: "resolved", alert: { id: "db-1-disk" } }));
    await expect
      .poll(() => trial.getByTestId("trial-decision").textContent())
      .toContain("Nothing happens");
    await payload.fill(
      JSON.stringify({
        status: "firing",
        alert: { summary: "Disk full on db-1", id: "db-1-disk" },
      }),
    );
    await expect.poll(() => trial.getByTestId("trial-correlation").textContent()).toBe("db-1-disk");

    // The form holds the spec's limits: 10 "contains" values of 50 characters, 2 conditions.
    expect(await condition.getByLabel("Contains value 1").getAttribute("maxlength")).toBe("50");
    for (let added = 1; added < 10; added += 1) {
      await condition.getByRole("button", { name: /Add a value/ }).click();
    }
    expect(await condition.getByRole("button", { name: /Add a value/ }).isDisabled()).toBe(true);
    await trigger.getByRole("button", { name: /Add a condition/ }).click();
    expect(await trigger.getByRole("button", { name: /Add a condition/ }).isDisabled()).toBe(true);
    await trigger.getByRole("button", { name: "Remove condition 2" }).click();
    for (let value = 10; value > 1; value -= 1) {
      await condition.getByRole("button", { name: `Remove value ${value}` }).click();
    }
    await screenshot(page, "filter-editor");
    await screenshot(page, "filter-editor-viewport", false);

    await editor.getByRole("button", { name: "Save filter" }).click();
    await expect.poll(() => editor.getByText("Filter saved.").count()).toBe(1);
    const saved = await fetch(`${world().baseUrl}/v1/services/${world().serviceId}`, {
      headers: { authorization: `Bearer ${world().adminToken}` },
    }).then((response) => response.json());
    expect(saved.filter.triggers).toEqual([
      {
        urgency: "high",
        conditions: [{ key: "status", contains: ["firing"] }],
        titleKey: "alert.summary",
        correlationKey: "alert.id",
      },
    ]);
  });

  it("reorders trigger filters", async () => {
    const { page } = browser;
    const editor = page.getByRole("region", { name: "API Filter" });
    await editor.getByRole("button", { name: "Add a trigger filter" }).click();
    const second = editor.getByRole("group", { name: "Trigger filter 2" });
    await second.getByLabel("Urgency").selectOption("low");
    await editor.getByRole("button", { name: "Move trigger filter 2 up" }).click();
    expect(
      await editor
        .getByRole("group", { name: "Trigger filter 1" })
        .getByLabel("Urgency")
        .inputValue(),
    ).toBe("low");
    await editor.getByRole("button", { name: "Remove trigger filter 1" }).click();
    await editor.getByRole("button", { name: "Save filter" }).click();
    await expect.poll(() => editor.getByText("Filter saved.").count()).toBe(1);
  });

  it("creates a service from an integration template, showing its set-up guide", async () => {
    const { page } = browser;
    await openPage(page, "Services");
    const create = page.getByRole("region", { name: "New service" });
    await create.getByLabel("Name", { exact: true }).fill("Prometheus");
    await create.getByLabel("Integration template").selectOption("prometheus-alertmanager");
    const guide = create.getByRole("region", { name: /^Set-up guide: / });
    await guide.waitFor();
    expect(await guide.textContent()).toContain(`${world().baseUrl}/v1/process`);
    await create.getByRole("button", { name: "Create service" }).click();
    await page.getByRole("heading", { level: 1, name: "Service Prometheus" }).waitFor();
    expect(await page.getByText("Created from the template prometheus-alertmanager.").count()).toBe(
      1,
    );
    expect(
      await page.getByRole("group", { name: "Trigger filter 1" }).count(),
      "the template's filter is in the editor",
    ).toBe(1);
  });
});
