import type { Logger } from "pino";
import type { Config } from "./config.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { oneAtATimePerKey, type Repositories } from "./repositories/index.js";

/**
 * What the rate limiter keeps between calls in this process (the counts themselves are in
 * the rate-limits repository, the limits on the tokens and accounts).
 */
export interface RateLimiterState {
  /** When this process last deleted past windows (ms since the epoch). */
  lastCleanupAt: number;
}

/**
 * The dependency container: everything a request, a use case or a background job needs,
 * passed in (no module-level state). Built once per app by createContainer (server.ts, the
 * tests); new parts (e.g. an outbox, a session store) are added here and in createContainer.
 */
export interface AppDeps {
  config: Config;
  logger: Logger;
  repositories: Repositories;
  clock: () => Date;
  metrics: Metrics;
  rateLimiter: RateLimiterState;
  /**
   * Runs the tasks given for one key one after another within this instance (a count and the
   * creation it allows, usecases/account-caps.ts).
   */
  inTurn: <T>(key: string, task: () => Promise<T>) => Promise<T>;
}

export interface ContainerParts {
  config: Config;
  logger: Logger;
  repositories: Repositories;
  clock?: () => Date;
  metrics?: Metrics;
}

export function createContainer(parts: ContainerParts): AppDeps {
  return {
    config: parts.config,
    logger: parts.logger,
    repositories: parts.repositories,
    clock: parts.clock ?? (() => new Date()),
    metrics: parts.metrics ?? createMetrics(),
    rateLimiter: { lastCleanupAt: 0 },
    inTurn: oneAtATimePerKey(),
  };
}
