import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's Chromium (playwright's own browser download cannot be reached from here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Installs Debian's chromium package when it is missing (the test machines run as root). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  // Another install on the machine may hold dpkg's lock for a while: wait for it.
  const apt = (...args: string[]) =>
    execFileSync("apt-get", ["-o", "DPkg::Lock::Timeout=300", ...args], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  console.error("browser tests: installing Debian's chromium (apt-get install -y chromium)");
  try {
    apt("install", "-y", "chromium");
  } catch {
    apt("update");
    apt("install", "-y", "chromium");
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium, but ${CHROMIUM} is missing`);
  return CHROMIUM;
}
