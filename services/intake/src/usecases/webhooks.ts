import type {
  WebhookCreate,
  WebhookDeliveryStatus,
  WebhookTestData,
  WebhookUpdate,
} from "@sqibs/api-client";
import {
  checkWebhookUrl,
  forgetSigningSecrets,
  generateWebhookSecret,
  TEST_EVENT_TYPE,
  type WebhookEvent,
  WebhookUrlError,
} from "@sqibs/webhooks";
import type { AppDeps } from "../container.js";
import { AppError } from "../errors.js";
import {
  type DeletedWebhook,
  newEntityId,
  type QueuedDelivery,
  type Webhook,
  type WebhookAttempt,
  type WebhookChanges,
  type WebhookDelivery,
} from "../repositories/index.js";
import { createWithinCap } from "./account-caps.js";
import { type Caller, idOrNotFound, notFound } from "./caller.js";
import { attemptNow } from "./dispatch.js";
import { storeDeliveries } from "./outbox.js";
import { type Page, type PageQuery, readPage } from "./pagination.js";
import { scopeTarget } from "./scopes.js";

export type { Webhook };

/** A webhook with what its attempts say about it. */
export interface WebhookStatus extends Webhook {
  lastAttempt?: WebhookAttempt;
  lastSuccessAt?: Date;
}

export interface IssuedWebhook {
  webhook: WebhookStatus;
  /** Shown once (at creation and rotation). */
  secret: string;
}

/** A delivery with its attempts and where it stands. */
export interface DeliveryStatus extends WebhookDelivery {
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  nextAttemptAt?: Date;
}

export const DEFAULT_SECRET_GRACE_SECONDS = 86_400;
const SECRET_PREFIX_LENGTH = 10;
export const TEST_MESSAGE = "Test event from sqibs: this webhook works.";

/** POST /v1/webhooks: the scope's team or service must be the account's; the URL is checked. */
export async function createWebhook(
  deps: AppDeps,
  caller: Caller,
  input: WebhookCreate,
): Promise<IssuedWebhook> {
  const url = checkedUrl(deps, input.url);
  const accountId = caller.account.id;
  const target = await scopeTarget(deps, caller, "webhook", input);
  const now = deps.clock();
  const secret = generateWebhookSecret();
  const webhook = await createWithinCap(deps, caller, "webhooks", () =>
    deps.repositories.webhooks.create(
      {
        accountId,
        scope: input.scope,
        ...target,
        url,
        events: [...input.events],
        ...(input.workflowId !== undefined ? { workflowId: input.workflowId } : {}),
        format: input.format ?? "json",
        enabled: input.enabled ?? true,
        secrets: [{ secret, createdAt: now }],
      },
      now,
    ),
  );
  return { webhook, secret };
}

/**
 * Oldest first (whether each is enabled, and why not; the last attempt is in each webhook's
 * own view: reading it is a query of the attempts per webhook).
 */
export function listWebhooks(deps: AppDeps, caller: Caller): Promise<WebhookStatus[]> {
  return deps.repositories.webhooks.listByAccount(caller.account.id);
}

export async function getWebhook(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
): Promise<WebhookStatus> {
  return withStatus(deps, await webhookOf(deps, caller, webhookId));
}

/** PATCH: the URL is checked as at creation; `workflowId: null` removes it. The webhook as stored. */
export async function updateWebhook(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
  input: WebhookUpdate,
): Promise<WebhookStatus> {
  const id = idOrNotFound(webhookId, "webhook");
  const set: WebhookChanges = {};
  const unset: Array<"workflowId"> = [];
  if (input.url !== undefined) set.url = checkedUrl(deps, input.url);
  if (input.events !== undefined) set.events = [...input.events];
  if (input.format !== undefined) set.format = input.format;
  if (input.enabled !== undefined) set.enabled = input.enabled;
  if (input.workflowId === null) unset.push("workflowId");
  else if (input.workflowId !== undefined) set.workflowId = input.workflowId;
  const updated = await deps.repositories.webhooks.update(
    caller.account.id,
    id,
    set,
    unset,
    deps.clock(),
  );
  if (!updated) throw notFound("webhook", webhookId);
  // The old URL leaves this instance's memory as a deleted webhook's does (forgetDeleted).
  if (updated.replacedUrl !== undefined) deps.webhooks.send.forget([updated.replacedUrl]);
  // Enabled again: its pending deliveries go out now.
  if (set.enabled) deps.webhooks.queued.notify();
  return updated.webhook;
}

/**
 * Deletes the webhook with its pending deliveries and its delivery log; this instance forgets
 * its URL and secrets.
 */
export async function deleteWebhook(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
): Promise<void> {
  const id = idOrNotFound(webhookId, "webhook");
  const deleted = await deps.repositories.webhooks.delete(caller.account.id, id);
  if (!deleted) throw notFound("webhook", webhookId);
  forgetDeleted(deps, [deleted]);
  await deps.repositories.webhookDeliveries.deleteForWebhooks(caller.account.id, [id]);
}

/** The team or service behind a scope is deleted: its webhooks go with it. */
export async function deleteWebhooksScopedTo(
  deps: AppDeps,
  accountId: string,
  scope: { teamId: string } | { serviceId: string },
): Promise<void> {
  const deleted = await deps.repositories.webhooks.deleteScopedTo(accountId, scope);
  forgetDeleted(deps, deleted);
  await deps.repositories.webhookDeliveries.deleteForWebhooks(
    accountId,
    deleted.map((webhook) => webhook.id),
  );
}

/**
 * This instance drops what it kept of deleted webhooks: their signers and their checked URLs.
 * A URL another webhook still uses is dropped too: that costs it only a check at its next send.
 */
function forgetDeleted(deps: AppDeps, deleted: DeletedWebhook[]): void {
  forgetSigningSecrets(deleted.flatMap((webhook) => webhook.secrets));
  deps.webhooks.send.forget(deleted.map((webhook) => webhook.url));
}

/** A new secret; the ones before it keep signing beside it for the grace period. */
export async function rotateWebhookSecret(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
  graceSeconds: number = DEFAULT_SECRET_GRACE_SECONDS,
): Promise<IssuedWebhook> {
  const id = idOrNotFound(webhookId, "webhook");
  const now = deps.clock();
  const secret = generateWebhookSecret();
  const rotated = await deps.repositories.webhooks.rotateSecret(
    caller.account.id,
    id,
    secret,
    new Date(now.getTime() + graceSeconds * 1000),
    now,
  );
  if (!rotated) throw notFound("webhook", webhookId);
  forgetSigningSecrets(rotated.dropped);
  return { webhook: rotated.webhook, secret };
}

/**
 * POST /v1/webhooks/{id}/test: one `webhook.test` event, signed like any other, sent now
 * (whatever the webhook subscribes to, enabled or not), kept in the delivery log; not retried.
 */
export async function testWebhook(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
): Promise<{ delivered: boolean; delivery: DeliveryStatus }> {
  const webhook = await webhookOf(deps, caller, webhookId);
  const data: WebhookTestData = { webhookId: webhook.id, message: TEST_MESSAGE };
  const event: WebhookEvent = {
    type: TEST_EVENT_TYPE,
    id: `evt_test_${newEntityId()}`,
    occurredAt: deps.clock(),
    data,
  };
  const {
    deliveries: [delivery],
  } = await storeDeliveries(
    deps,
    [webhook],
    event,
    { kind: "test", webhookId: webhook.id },
    { queued: false },
  );
  if (!delivery) throw new Error("the test delivery was not stored");
  const attempt = await attemptNow(
    deps,
    webhook,
    { ...delivery, deliveryId: delivery.id, round: 1 },
    "test",
  );
  await deps.repositories.webhookDeliveries.recordAttempt(attempt);
  return { delivered: attempt.succeeded, delivery: statusOf(delivery, [attempt], undefined) };
}

export interface DeliveryQuery extends PageQuery {
  status?: WebhookDeliveryStatus | undefined;
}

/** The delivery log: newest first, each delivery with every attempt; by status if asked. */
export async function listWebhookDeliveries(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
  query: DeliveryQuery,
): Promise<Page<DeliveryStatus>> {
  const webhook = await webhookOf(deps, caller, webhookId);
  const outbox = deps.repositories.webhookDeliveries;
  return readPage(query, async (before, limit) => {
    const found: DeliveryStatus[] = [];
    for (let cursor = before; found.length < limit; ) {
      const page = await outbox.listPage(webhook.accountId, webhook.id, cursor, limit);
      const statuses = await statusesOf(deps, webhook.accountId, page);
      found.push(
        ...statuses.filter((delivery) => !query.status || delivery.status === query.status),
      );
      if (page.length < limit) break;
      cursor = page.at(-1)?.id;
    }
    return found.slice(0, limit);
  });
}

/**
 * POST .../deliveries/{id}/redeliver: pending and due now with a new retry period, the same
 * event id; a pending delivery is made due now.
 */
export async function redeliverWebhookDelivery(
  deps: AppDeps,
  caller: Caller,
  webhookId: string,
  deliveryId: string,
): Promise<DeliveryStatus> {
  const webhook = await webhookOf(deps, caller, webhookId);
  const outbox = deps.repositories.webhookDeliveries;
  const delivery = await outbox.findInWebhook(webhook.accountId, webhook.id, deliveryId);
  if (!delivery) throw notFound("delivery", deliveryId);
  await outbox.requeue(delivery);
  deps.webhooks.queued.notify();
  const [status] = await statusesOf(deps, webhook.accountId, [delivery]);
  if (!status) throw notFound("delivery", deliveryId);
  return status;
}

async function webhookOf(deps: AppDeps, caller: Caller, webhookId: string): Promise<Webhook> {
  const id = idOrNotFound(webhookId, "webhook");
  const webhook = await deps.repositories.webhooks.findInAccount(caller.account.id, id);
  if (!webhook) throw notFound("webhook", webhookId);
  return webhook;
}

/** The webhook with its latest attempt and latest success (two indexed reads). */
async function withStatus(deps: AppDeps, webhook: Webhook): Promise<WebhookStatus> {
  const { last, lastSuccess } = await deps.repositories.webhookDeliveries.lastAttempts(
    webhook.accountId,
    webhook.id,
  );
  return {
    ...webhook,
    ...(last ? { lastAttempt: last } : {}),
    ...(lastSuccess ? { lastSuccessAt: lastSuccess.at } : {}),
  };
}

async function statusesOf(
  deps: AppDeps,
  accountId: string,
  deliveries: WebhookDelivery[],
): Promise<DeliveryStatus[]> {
  const ids = deliveries.map((delivery) => delivery.id);
  const outbox = deps.repositories.webhookDeliveries;
  const [queued, attempts] = await Promise.all([
    outbox.queuedOf(ids),
    outbox.attemptsOf(accountId, ids),
  ]);
  return deliveries.map((delivery) =>
    statusOf(
      delivery,
      attempts.filter((attempt) => attempt.deliveryId === delivery.id),
      queued.get(delivery.id),
    ),
  );
}

/**
 * Pending while queued, or before its first attempt (the dispatcher stores a journaled
 * delivery in the log, then its queue entry: usecases/journal.ts); else as its last attempt
 * went.
 */
function statusOf(
  delivery: WebhookDelivery,
  attempts: WebhookAttempt[],
  queued: Pick<QueuedDelivery, "dueAt"> | undefined,
): DeliveryStatus {
  if (queued) return { ...delivery, status: "pending", attempts, nextAttemptAt: queued.dueAt };
  if (attempts.length === 0) return { ...delivery, status: "pending", attempts };
  return { ...delivery, status: attempts.at(-1)?.succeeded ? "succeeded" : "failed", attempts };
}

/**
 * The URL as the operator's policy allows it, else a 400 naming the reason, typed apart from
 * a request that breaks the schema: the schema takes any http(s) URL; the policy
 * (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOWED_CIDRS) is the operator's.
 */
function checkedUrl(deps: AppDeps, url: string): string {
  try {
    checkWebhookUrl(url, deps.webhooks.policy);
    return url;
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    throw new AppError("WEBHOOK_URL_REFUSED", `url: ${error.reason}`, {
      errors: [{ field: "url", message: error.reason }],
    });
  }
}

/** The first characters of the current secret, to recognize it by. */
export function secretPrefixOf(webhook: Webhook): string {
  return (webhook.secrets[0]?.secret ?? "").slice(0, SECRET_PREFIX_LENGTH);
}

/**
 * Forgets webhook deliveries, attempts and claims older than WEBHOOK_RETENTION_DAYS (a
 * delivery still queued is kept).
 */
export async function forgetOldDeliveries(deps: AppDeps): Promise<void> {
  const now = deps.clock();
  const cutoff = new Date(now.getTime() - deps.config.WEBHOOK_RETENTION_DAYS * 86_400_000);
  await deps.repositories.webhookDeliveries.deleteOlderThan(cutoff);
}
