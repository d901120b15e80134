import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, consoleRoutes } from "../src/http/console.js";
import { SECURITY_HEADERS } from "../src/http/limits.js";
import { startTestService, type TestService } from "./harness.js";

describe("GET /console: the built console, with its own strict CSP", () => {
  let dir: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // A console build of two files, so that this suite does not depend on Vite.
    dir = mkdtempSync(join(tmpdir(), "sqibs-console-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(
      join(dir, "index.html"),
      '<!doctype html><script type="module" src="/console/assets/app.js"></script>',
    );
    writeFileSync(join(dir, "assets", "app.js"), "console.log('console');");
    const app = express();
    app.use("/console", consoleRoutes(dir));
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves index.html for the app's own paths, with script-src 'self' and no inline script", async () => {
    for (const path of ["/console", "/console/", "/console/incidents/6643a1f0c2a4b1e3d4f5a611"]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toContain("/console/assets/app.js");
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toBe(CONSOLE_CSP);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it("serves hashed assets for good, and 404 for a missing one (never index.html)", async () => {
    const asset = await fetch(`${url}/console/assets/app.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${url}/console/assets/gone.js`)).status).toBe(404);
    const missing = await fetch(`${url}/console/logo.png`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("without a build: a 404 problem that says how to build it", async () => {
    const app = express();
    app.use("/console", consoleRoutes(undefined));
    const bare = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => bare.once("listening", resolve));
    try {
      const response = await fetch(
        `http://127.0.0.1:${(bare.address() as AddressInfo).port}/console/`,
      );
      expect(response.status).toBe(404);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/pnpm build/);
    } finally {
      bare.close();
    }
  });
});

describe("the API keeps its own CSP beside the console", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService("console-csp");
  });
  afterAll(() => service.close());

  it("API answers carry default-src 'none'; console pages the console's CSP", async () => {
    const api = await fetch(`${service.url}/healthz`);
    expect(api.headers.get("content-security-policy")).toBe(
      SECURITY_HEADERS["Content-Security-Policy"],
    );
    const page = await fetch(`${service.url}/console/`);
    expect(page.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
  });
});
