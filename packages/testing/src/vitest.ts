import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ViteUserConfig } from "vitest/config";

declare module "vitest" {
  export interface ProvidedContext {
    /** The database of this test run: a throwaway FerretDB, or MONGODB_URI. */
    mongodbUri: string;
  }
}

export interface SuiteOptions {
  /** Name of the results file under <repo>/test-results/. */
  name: string;
  /** Start a throwaway database for the run (or use MONGODB_URI). */
  database?: boolean;
  include?: string[];
  testTimeout?: number;
  /** More global set-up modules (absolute paths), after the database's. */
  globalSetup?: string[];
  /** false: one test file at a time (suites that drive a browser). */
  fileParallelism?: boolean;
}

const repoRoot = join(
  dirname(createRequire(import.meta.url).resolve("../package.json")),
  "..",
  "..",
);

/** Shared vitest settings: every suite writes JSON results that scripts/test.sh sums. */
export function suiteConfig(options: SuiteOptions): ViteUserConfig {
  return {
    test: {
      include: options.include ?? ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: options.testTimeout ?? 30_000,
      fileParallelism: options.fileParallelism ?? true,
      hookTimeout: 60_000,
      expect: {
        // A test that asserts nothing fails.
        requireAssertions: true,
        // A poll ends as soon as it passes; vitest's 1 s default is too short on a loaded
        // 2-core CI machine, where a background flush or a reconnect can take longer.
        poll: { timeout: 10_000 },
      },
      globalSetup: [
        ...(options.database ? [join(repoRoot, "packages/testing/dist/global-setup.js")] : []),
        ...(options.globalSetup ?? []),
      ],
      reporters: ["default", "json"],
      outputFile: { json: join(repoRoot, "test-results", `${options.name}.json`) },
    },
  };
}

/** A database name of its own for each suite, so parallel suites never share state. */
export function uniqueDatabaseName(prefix: string): string {
  return `t_${prefix.replace(/[^a-z0-9]/gi, "_").slice(0, 20)}_${randomBytes(4).toString("hex")}`;
}
