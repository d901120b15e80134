import type { ChildProcess } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { runCommand, startChild, waitForHttp } from "@sqibs/testing";

export const ALERTMANAGER_MODULE = "github.com/prometheus/alertmanager";
export const ALERTMANAGER_VERSION = "v0.35.0";

/** Per-user cache keyed by version: fresh clones on one machine share one build. */
export function alertmanagerBinaryPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheRoot, "sqibs", `alertmanager-${ALERTMANAGER_VERSION}`, "alertmanager");
}

/**
 * Builds Alertmanager from its Go module once; later calls return the cached binary.
 *
 * `go install github.com/prometheus/alertmanager/cmd/alertmanager@v0.35.0` fails: package `ui`
 * embeds `app/dist`, the web UI's build output, which the module zip does not hold (and
 * `-overlay` may not add files under GOMODCACHE). So the module's source is copied out of the
 * module cache, given a placeholder page as its UI, and built there with `go build` — the same
 * Go code, dependencies pinned by the module's own go.sum, without the web UI (the API and the
 * notifications, all a test needs, are untouched).
 */
export async function ensureAlertmanager(log: (line: string) => void = () => {}): Promise<string> {
  const binary = alertmanagerBinaryPath();
  if (existsSync(binary)) return binary;
  const dir = join(binary, "..");
  const staging = `${dir}.build-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const started = Date.now();
  log(`building Alertmanager ${ALERTMANAGER_VERSION} once into ${dir} (a few minutes)`);
  try {
    const goEnv = { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" };
    const download = await runCommand(
      "go",
      ["mod", "download", "-json", `${ALERTMANAGER_MODULE}@${ALERTMANAGER_VERSION}`],
      { cwd: staging, env: goEnv },
    );
    const moduleDir: unknown = JSON.parse(download).Dir;
    if (typeof moduleDir !== "string") throw new Error(`go mod download: no Dir in ${download}`);
    const source = join(staging, "src");
    cpSync(moduleDir, source, { recursive: true });
    makeWritable(source); // the module cache is read-only, and so is its copy
    for (const ui of ["elm", "mantine"]) {
      mkdirSync(join(source, "ui", "app", "dist", ui), { recursive: true });
      writeFileSync(
        join(source, "ui", "app", "dist", ui, "index.html"),
        "<!doctype html><title>Alertmanager</title><p>Built without the web UI; the API is at /api/v2.</p>\n",
      );
    }
    const version = "github.com/prometheus/common/version";
    const ldflags = [
      `-X ${version}.Version=${ALERTMANAGER_VERSION.slice(1)}`,
      `-X ${version}.Branch=module-${ALERTMANAGER_VERSION}`,
      `-X ${version}.BuildUser=sqibs-e2e`,
    ].join(" ");
    await runCommand(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        ldflags,
        "-o",
        join(staging, "alertmanager"),
        "./cmd/alertmanager",
      ],
      { cwd: source, env: goEnv },
    );
    mkdirSync(dir, { recursive: true });
    // rename is atomic: a concurrent build loses the race harmlessly.
    renameSync(join(staging, "alertmanager"), binary);
    log(`built Alertmanager in ${Math.round((Date.now() - started) / 1000)} s`);
    return binary;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface RunningAlertmanager {
  url: string;
  process: ChildProcess;
  /** What it logged so far, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts Alertmanager on loopback (no clustering) and waits until /-/ready answers 200. */
export async function startAlertmanager(options: {
  binary: string;
  dir: string;
  port: number;
  configYaml: string;
}): Promise<RunningAlertmanager> {
  const config = join(options.dir, "alertmanager.yml");
  writeFileSync(config, options.configYaml);
  const child = startChild(
    options.binary,
    [
      `--config.file=${config}`,
      `--storage.path=${join(options.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      "--cluster.listen-address=",
      "--log.level=info",
    ],
    { keep: 20_000 },
  );
  const url = `http://127.0.0.1:${options.port}`;
  await waitForHttp(child, `${url}/-/ready`, { timeoutMs: 30_000 });
  return { url, process: child.process, logs: child.output, stop: () => child.stop() };
}

function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}
