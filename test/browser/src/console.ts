import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";
import "./provided.js";

export const world = () => inject("browser");

/** Launch options tried on these machines (FINDINGS): root needs --no-sandbox. */
const ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Console {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors, as they happen. */
  errors: string[];
  /** Every alert/confirm/prompt the page tried to open (none may). */
  dialogs: string[];
  close(): Promise<void>;
}

/** A fresh Chromium with a fresh profile (--user-data-dir), at the console's address. */
export async function openConsole(): Promise<Console> {
  const profile = mkdtempSync(join(tmpdir(), "sqibs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: world().chromium,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    locale: "en-US",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return {
    context,
    page,
    errors,
    dialogs,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, token = world().adminToken): Promise<void> {
  await page.goto(`${world().baseUrl}/console/`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation").waitFor();
}

/** Follows a link of the main navigation, as a user would. */
export async function openPage(page: Page, name: string): Promise<void> {
  await page.getByRole("navigation").getByRole("link", { name }).click();
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

/** A screenshot (full page unless told) under test-results/screenshots, on every run. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  const path = join(world().screenshots, `${name}.png`);
  // From the top: sticky panels are drawn where the scroll left them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage });
  return path;
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) does not apply.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } })
      .axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
    );
}

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

/** A sender's call to /v1/process with the global token, from the test (not the browser). */
export async function sendIncident(body: unknown, from?: string): Promise<string> {
  const query = from ? `?from=${encodeURIComponent(from)}` : "";
  const response = await fetch(`${world().baseUrl}/v1/process${query}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${world().globalToken}`,
      "content-type": "application/json",
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const answer = (await response.json()) as { incidents: Array<{ id: string }> };
  expect(response.status, JSON.stringify(answer)).toBe(201);
  return answer.incidents[0]?.id ?? "";
}

/**
 * The account's service back to the simple filter (the title from the payload's `title`), so
 * that a suite does not depend on the filter another suite saved.
 */
export async function resetFilter(): Promise<void> {
  const response = await fetch(`${world().baseUrl}/v1/services/${world().serviceId}/filter`, {
    method: "PUT",
    headers: { authorization: `Bearer ${world().adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ titleKey: "title" }),
  });
  expect(response.status).toBe(200);
}
