import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Repositories } from "../repositories/index.js";
import type { Metrics } from "./metrics.js";

/** Everything a request needs, passed in (no module-level singletons). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  repositories: Repositories;
  clock: () => Date;
  /** Prometheus metrics (http/metrics.ts); createApp makes its own when absent. */
  metrics?: Metrics;
}
