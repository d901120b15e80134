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
});

export type Config = z.infer<typeof EnvSchema>;

/** Parses the environment once at start-up; throws one readable error listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
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
