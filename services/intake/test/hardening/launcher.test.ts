import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { type ChildService, killService, seedDatabase, spawnService } from "./support.js";

/** The environment and command line the running process got (Linux /proc). */
function processView(pid: number) {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
  const environment = new Map(
    entries.map((entry) => [
      entry.slice(0, entry.indexOf("=")),
      entry.slice(entry.indexOf("=") + 1),
    ]),
  );
  const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  return { environment, commandLine };
}

describe("the launcher (bin/sqibs-intake)", () => {
  let seed: Awaited<ReturnType<typeof seedDatabase>>;
  let service: ChildService | undefined;
  const env = () => ({ MONGODB_URI: inject("mongodbUri"), MONGODB_DB: seed.dbName });

  beforeAll(async () => {
    seed = await seedDatabase(inject("mongodbUri"), "launcher");
  });
  afterAll(async () => {
    await killService(service);
    await seed.close();
  });

  it("becomes node running the service, with glibc's allocator settings in its environment", async () => {
    service = await spawnService(env());
    const pid = service.child.pid as number;
    const { environment, commandLine } = processView(pid);
    expect(environment.get("MALLOC_ARENA_MAX")).toBe("1");
    expect(environment.get("MALLOC_TRIM_THRESHOLD_")).toBe("65536");
    expect(environment.get("MALLOC_MMAP_THRESHOLD_")).toBe("65536");
    // exec'd, not a shell waiting on a child: signals (SIGTERM's graceful stop) reach node.
    expect(commandLine[0]).toMatch(/node$/);
    expect(commandLine.at(-1)).toMatch(/dist\/server\.js$/);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    await killService(service);
  });

  it("leaves a setting the operator gave as it is", async () => {
    service = await spawnService({ ...env(), MALLOC_ARENA_MAX: "4", MALLOC_TRIM_THRESHOLD_: "0" });
    const { environment } = processView(service.child.pid as number);
    expect(environment.get("MALLOC_ARENA_MAX")).toBe("4");
    expect(environment.get("MALLOC_TRIM_THRESHOLD_")).toBe("0");
    expect(environment.get("MALLOC_MMAP_THRESHOLD_")).toBe("65536");
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    await killService(service);
  });

  // An ES import of node:http reads every export, and its lazy WebSocket getters load undici
  // (about 5 MiB the service never uses): the service takes node:http by getBuiltinModule.
  it("does not load undici, which only an ES import of node:http would pull in", async () => {
    const reporter = new URL("./report-builtins.mjs", import.meta.url).href;
    service = await spawnService({ ...env(), NODE_OPTIONS: `--import=${reporter}` });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    const running = service;
    running.child.kill("SIGUSR2");
    const loaded = await vi.waitFor(() => {
      const report = /builtins loaded: (.*)\n/.exec(running.output());
      if (!report) throw new Error("no report yet");
      return JSON.parse(report[1] as string) as string[];
    });
    expect(loaded).toContain("NativeModule http");
    expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  });
});
