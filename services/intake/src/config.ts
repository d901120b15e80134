import { type Cidr, CidrError, parseCidrList } from "@sqibs/webhooks";
import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0"])
  .transform((value) => value === "true" || value === "1");

const EnvSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// or mongodb+srv:// URI"),
  MONGODB_DB: z.string().min(1).default("sqibs"),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  VALIDATE_RESPONSES: booleanFlag.default(false),
  DB_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
  RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(5),
  SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
  // Hardening (README "Operations"): HTTP limits, timeouts, rate limits, shutdown, metrics.
  MAX_HEADER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024),
  MAX_URL_BYTES: z.coerce
    .number()
    .int()
    .min(256)
    .default(8 * 1024),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  MAX_CONCURRENT_REQUESTS: z.coerce.number().int().min(0).default(256),
  // Request bodies, and bytes of them, held at once (http/limits.ts bodyAdmission); more wait
  // unread.
  MAX_BODIES_IN_FLIGHT: z.coerce.number().int().positive().default(64),
  BODY_BYTES_IN_FLIGHT: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  // Concurrent body reads per client address (the proxy's X-Forwarded-For with TRUST_PROXY).
  MAX_BODY_READS_PER_CLIENT: z.coerce.number().int().min(0).default(64),
  // Express's "trust proxy": the hops (a number) or addresses (e.g. "loopback, 10.0.0.0/8")
  // whose X-Forwarded-For names the client. Unset: the TCP peer is the client.
  TRUST_PROXY: z
    .string()
    .min(1)
    .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
    .optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  ACCOUNT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  // Per-account caps (usecases/account-caps.ts): 0 = none.
  MAX_SERVICES_PER_ACCOUNT: z.coerce.number().int().min(0).default(500),
  MAX_TOKENS_PER_ACCOUNT: z.coerce.number().int().min(0).default(500),
  MAX_TEAMS_PER_ACCOUNT: z.coerce.number().int().min(0).default(100),
  MAX_WEBHOOKS_PER_ACCOUNT: z.coerce.number().int().min(0).default(50),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  // The console (README "Dashboard"): the address senders use, and the session's idle end.
  PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  SESSION_IDLE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 60 * 60),
  // Outgoing webhooks (docs/webhooks.md): what they may reach, and how they are sent and retried.
  WEBHOOK_ALLOWED_CIDRS: z
    .string()
    .default("")
    .transform((text, context): Cidr[] => {
      try {
        return parseCidrList(text);
      } catch (error) {
        if (!(error instanceof CidrError)) throw error;
        context.addIssue({ code: "custom", message: error.message });
        return z.NEVER;
      }
    }),
  WEBHOOK_ALLOW_HTTP: booleanFlag.default(false),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(4),
  WEBHOOK_RETRY_FIRST_DELAY_MS: z.coerce.number().int().positive().default(10_000),
  WEBHOOK_RETRY_MAX_DELAY_MS: z.coerce.number().int().positive().default(3_600_000),
  WEBHOOK_RETRY_FOR_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60),
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 24 * 60 * 60),
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  WEBHOOK_INSTANCE_LEASE_MS: z.coerce.number().int().positive().default(30_000),
});

/** Rules between settings, checked after each is read. */
const ConfigSchema = EnvSchema.superRefine((config, context) => {
  if (config.BODY_BYTES_IN_FLIGHT < config.BODY_LIMIT_BYTES) {
    context.addIssue({
      code: "custom",
      path: ["BODY_BYTES_IN_FLIGHT"],
      message: `must be at least BODY_LIMIT_BYTES (${config.BODY_LIMIT_BYTES}): one body of the largest size must fit`,
    });
  }
});

export type Config = z.infer<typeof EnvSchema>;

/** Parses the environment once at start-up; throws one readable error listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}

/** Defaults for tests and embedding: everything but the database. */
export function configWith(overrides: Partial<Config> & Pick<Config, "MONGODB_URI">): Config {
  return { ...EnvSchema.parse({ MONGODB_URI: overrides.MONGODB_URI }), ...overrides };
}
