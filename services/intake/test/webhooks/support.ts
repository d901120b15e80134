import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type Client,
  createWebhook,
  type IssuedWebhook,
  listWebhookDeliveries,
  type WebhookCreate,
  type WebhookDelivery,
} from "@sqibs/api-client";
import { type Received, waitFor } from "@sqibs/testing";
import { parseCidrList } from "@sqibs/webhooks";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import type { Config } from "../../src/config.js";
import { startTestService, type TestService } from "../harness.js";

/**
 * The real service with its dispatcher, allowed to send plain http to this machine (the
 * receivers run in the test process), with retries in milliseconds instead of seconds.
 */
export function webhookService(
  suite: string,
  overrides: Parameters<typeof startTestService>[1] = {},
): Promise<TestService> {
  const fast: Partial<Config> = {
    WEBHOOK_ALLOW_HTTP: true,
    WEBHOOK_ALLOWED_CIDRS: parseCidrList("127.0.0.0/8"),
    WEBHOOK_RETRY_FIRST_DELAY_MS: 100,
    WEBHOOK_RETRY_MAX_DELAY_MS: 400,
    WEBHOOK_POLL_INTERVAL_MS: 100,
    // The suites send many calls with one token.
    RATE_LIMIT_PER_MINUTE: 0,
  };
  return startTestService(suite, { dispatcher: true, ...fast, ...overrides });
}

/** POST /v1/webhooks, 201; the webhook and its secret. */
export async function newWebhook(admin: Client, body: WebhookCreate): Promise<IssuedWebhook> {
  const { data, response, error } = await createWebhook({ client: admin, body });
  expect(response?.status, JSON.stringify(error)).toBe(201);
  if (!data) throw new Error("no webhook");
  return data;
}

/** The body a receiver got, verified as a receiver must (standardwebhooks), parsed. */
export function verified<T = Envelope>(message: Received, secret: string): T {
  const headers = {
    "webhook-id": String(message.headers["webhook-id"]),
    "webhook-timestamp": String(message.headers["webhook-timestamp"]),
    "webhook-signature": String(message.headers["webhook-signature"]),
  };
  return new Webhook(secret).verify(message.body, headers) as T;
}

export interface Envelope {
  type: string;
  id: string;
  timestamp: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the event's data as sent
  data: any;
}

/** Waits until `received` holds `count` messages (or more) that `match`; returns them. */
export function receivedAtLeast(
  received: Received[],
  count: number,
  match: (message: Received) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<Received[]> {
  return waitFor(
    `${count} webhook message(s)`,
    () => {
      const matching = received.filter(match);
      return matching.length >= count ? matching : undefined;
    },
    timeoutMs,
  );
}

/** The webhook's delivery log (one page, newest first). */
export async function deliveriesOf(admin: Client, webhookId: string): Promise<WebhookDelivery[]> {
  const { data, error } = await listWebhookDeliveries({
    client: admin,
    path: { webhookId },
    query: { limit: 100 },
  });
  if (!data) throw new Error(`deliveries: ${JSON.stringify(error)}`);
  return data.items;
}

const bundle = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@sqibs/openapi/openapi.json"), "utf8"),
) as { webhooks: Record<string, unknown> };
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...bundle, $id: "openapi.json" });

/** Checks a JSON body against the schema of its event in the spec's `webhooks` section. */
export function expectMatchesSpec(envelope: Envelope): void {
  const pointer = `openapi.json#/webhooks/${envelope.type}/post/requestBody/content/application~1json/schema`;
  const validate = ajv.getSchema(pointer);
  if (!validate) throw new Error(`no schema for ${envelope.type}`);
  expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true);
}
