import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  type IssuedWebhook,
  listWebhookDeliveries,
  listWebhooks,
  redeliverWebhookDelivery,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
  type Webhook,
  type WebhookAttempt,
  type WebhookCreate,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEventType,
  type WebhookFormat,
  type WebhookScope,
} from "@sqibs/api-client";
import {
  isWebhookSecret,
  type ReceivedMessage,
  SUBSCRIBABLE_EVENT_TYPES,
  startWebhookListener,
} from "@sqibs/webhooks";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type Context, contextOf, type GlobalOptions, reportDone, unwrap } from "../context.js";
import { CliError } from "../errors.js";
import { outputFor } from "../output.js";
import { graceBody, scopeOf, seconds } from "./arguments.js";
import { pageLimit, readAll } from "./pages.js";

export const DEFAULT_LISTEN_PORT = 4000;

interface ListenOptions {
  port: string;
  host: string;
  secret?: string[];
}

interface CreateOptions {
  events: WebhookEventType[];
  scope: WebhookScope;
  team?: string;
  service?: string;
  workflow?: string;
  format: WebhookFormat;
  disabled?: boolean;
}

interface DeliveriesOptions {
  status?: WebhookDeliveryStatus;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/**
 * `sqibs webhooks`: manage outgoing webhooks (docs/webhooks.md) through the API, and `listen`,
 * a local receiver that verifies each message's Standard Webhooks signature and prints it, for
 * people wiring a receiver (it needs no service and no token, only the webhook's secret).
 */
export function webhooksCommand(program: Command): void {
  const webhooks = program.command("webhooks").description("outgoing webhooks");
  manageCommands(webhooks);
  webhooks
    .command("listen")
    .description("receive webhooks locally, verify their signatures and print each event")
    .option(
      "--port <port>",
      "the port to listen on (0: any free port)",
      String(DEFAULT_LISTEN_PORT),
    )
    .option("--host <host>", "the address to listen on", "127.0.0.1")
    .option(
      "--secret <whsec_…>",
      "the webhook's secret (env SQIBS_WEBHOOK_SECRET); repeat it to accept either of two",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (options: ListenOptions, command: Command) => {
      const secrets = secretsOf(options);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new CliError(`--port must be a port number (0-65535), not ${options.port}`);
      }
      const out = outputFor(command.optsWithGlobals<GlobalOptions>());
      const listener = await startWebhookListener({
        secrets,
        port,
        host: options.host,
        onMessage: (message) => printMessage(out, message),
      }).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(
          `cannot listen on ${options.host}:${port}: ${error.code ?? error.message}`,
        );
      });
      process.stderr.write(
        `listening on ${listener.url}: verifying with ${secrets.length} secret(s); Ctrl-C stops\n`,
      );
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
      });
      await listener.close();
    });
}

function secretsOf(options: ListenOptions): string[] {
  const fromEnvironment = process.env.SQIBS_WEBHOOK_SECRET;
  const secrets = options.secret ?? (fromEnvironment ? [fromEnvironment] : []);
  if (secrets.length === 0) {
    throw new CliError("no secret: pass --secret <whsec_…> or set SQIBS_WEBHOOK_SECRET");
  }
  const malformed = secrets.find((secret) => !isWebhookSecret(secret));
  if (malformed !== undefined) {
    throw new CliError(
      `not a webhook secret (whsec_ and 24 to 64 bytes of base64): ${malformed.slice(0, 10)}…`,
    );
  }
  return secrets;
}

function printMessage(out: ReturnType<typeof outputFor>, message: ReceivedMessage): void {
  if (out.json) {
    out.line(JSON.stringify(message));
    return;
  }
  if (!message.verified) {
    out.line(`refused ${message.id ?? "(no webhook-id)"}: ${message.reason}`);
    return;
  }
  const type = (message.body as { type?: unknown } | undefined)?.type;
  out.line(
    `verified ${typeof type === "string" ? type : "(slack message)"} ${message.id} sent ${message.sentAt.toISOString()}`,
  );
  out.line(JSON.stringify(message.body, null, 2));
}

function manageCommands(webhooks: Command): void {
  webhooks
    .command("create <url>")
    .description(
      "create a webhook that POSTs events to <url> (https, unless the operator allows http); its signing secret is shown this once",
    )
    .requiredOption(
      "--events <types>",
      `comma-separated: ${SUBSCRIBABLE_EVENT_TYPES.join(", ")}`,
      eventTypes,
    )
    .addOption(
      new Option("--scope <scope>", "which events it sees")
        .choices(["global", "team", "service"])
        .default("global"),
    )
    .option("--team <teamId>", "the team of a team webhook")
    .option("--service <serviceId>", "the service of a service webhook")
    .option("--workflow <workflowId>", "request.created only for requests carrying it")
    .addOption(
      new Option("--format <format>", "the body").choices(["json", "slack"]).default("json"),
    )
    .option("--disabled", "create it switched off")
    .action(async (url: string, options: CreateOptions, command: Command) => {
      const context = contextOf(command);
      const common = {
        url,
        events: options.events,
        format: options.format,
        ...(options.workflow ? { workflowId: options.workflow } : {}),
        ...(options.disabled ? { enabled: false } : {}),
      };
      const body: WebhookCreate = { ...scopeOf(options), ...common };
      const issued = await unwrap(context, createWebhook({ client: context.client, body }));
      showIssued(context, issued, "created");
    });

  webhooks
    .command("list")
    .description("list the account's webhooks (never their secrets)")
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(command);
      const { items } = await unwrap(context, listWebhooks({ client: context.client }));
      context.out.result(items, () => {
        context.out.table(
          items.map((webhook) => ({
            ...webhook,
            scoped: scopeText(webhook),
            events: webhook.events.join(","),
          })),
          [
            ["id", "ID"],
            ["scoped", "SCOPE"],
            ["url", "URL"],
            ["events", "EVENTS"],
            ["format", "FORMAT"],
            ["enabled", "ENABLED"],
            ["disabledReason", "DISABLED BECAUSE"],
          ],
        );
      });
    });

  webhooks
    .command("show <webhookId>")
    .description("show a webhook, its last attempt, and why it was disabled")
    .action(async (webhookId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const webhook = await unwrap(
        context,
        getWebhook({ client: context.client, path: { webhookId } }),
      );
      showWebhook(context, webhook);
    });

  for (const [verb, enabled, what] of [
    ["enable", true, "switch a webhook on again (clears why it was disabled)"],
    ["disable", false, "switch a webhook off; its deliveries wait"],
  ] as const) {
    webhooks
      .command(`${verb} <webhookId>`)
      .description(what)
      .action(async (webhookId: string, _options: unknown, command: Command) => {
        const context = contextOf(command);
        const webhook = await unwrap(
          context,
          updateWebhook({ client: context.client, path: { webhookId }, body: { enabled } }),
        );
        showWebhook(context, webhook);
      });
  }

  webhooks
    .command("test <webhookId>")
    .description("send a webhook.test event now and print how it went")
    .action(async (webhookId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const result = await unwrap(
        context,
        testWebhook({ client: context.client, path: { webhookId } }),
      );
      context.out.result(result, () => {
        const [attempt] = result.delivery.attempts;
        context.out.line(
          `${result.delivered ? "Delivered" : "Not delivered"}: ${attempt ? attemptText(attempt) : "no attempt"}`,
        );
        if (attempt?.response) context.out.line(`Answer: ${attempt.response}`);
      });
    });

  webhooks
    .command("deliveries <webhookId>")
    .description("the delivery log, newest first, with every attempt")
    .addOption(
      new Option("--status <status>", "only this status").choices([
        "pending",
        "succeeded",
        "failed",
      ]),
    )
    .option("--limit <n>", "page size (1-100)", pageLimit)
    .option("--cursor <cursor>", "the page after this cursor")
    .option("--all", "every page")
    .action(async (webhookId: string, options: DeliveriesOptions, command: Command) => {
      const context = contextOf(command);
      const page = await readAll(options, (cursor, limit) =>
        unwrap(
          context,
          listWebhookDeliveries({
            client: context.client,
            path: { webhookId },
            query: {
              ...(options.status ? { status: options.status } : {}),
              ...(limit ? { limit } : {}),
              ...(cursor ? { cursor } : {}),
            },
          }),
        ),
      );
      context.out.result(page, () => {
        context.out.table(page.items.map(deliveryRow), [
          ["id", "ID"],
          ["eventType", "EVENT"],
          ["eventId", "EVENT ID"],
          ["status", "STATUS"],
          ["tries", "ATTEMPTS"],
          ["last", "LAST ATTEMPT"],
          ["nextAttemptAt", "NEXT"],
        ]);
        if (page.nextCursor) context.out.line(`more: --cursor ${page.nextCursor}`);
      });
    });

  webhooks
    .command("redeliver <webhookId> <deliveryId>")
    .description("send a delivery again now, with a new retry period (the same webhook-id)")
    .action(async (webhookId: string, deliveryId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      const delivery = await unwrap(
        context,
        redeliverWebhookDelivery({ client: context.client, path: { webhookId, deliveryId } }),
      );
      context.out.result(delivery, () => {
        context.out.line(`Delivery ${delivery.id} (${delivery.eventId}) is due now.`);
      });
    });

  webhooks
    .command("rotate-secret <webhookId>")
    .description("a new signing secret; the old one keeps signing beside it for the grace period")
    .option("--grace <seconds>", "how long the old secret keeps signing (default 86400)", seconds)
    .action(async (webhookId: string, options: { grace?: number }, command: Command) => {
      const context = contextOf(command);
      const issued = await unwrap(
        context,
        rotateWebhookSecret({
          client: context.client,
          path: { webhookId },
          ...graceBody(options.grace),
        }),
      );
      showIssued(context, issued, "has a new secret");
    });

  webhooks
    .command("delete <webhookId>")
    .description("delete a webhook, its pending deliveries and its delivery log")
    .action(async (webhookId: string, _options: unknown, command: Command) => {
      const context = contextOf(command);
      await unwrap(context, deleteWebhook({ client: context.client, path: { webhookId } }));
      reportDone(context, "Webhook", webhookId, "deleted");
    });
}

function showIssued(context: Context, issued: IssuedWebhook, what: string): void {
  context.out.result(issued, () => {
    context.out.line(`Webhook ${issued.webhook.id} ${what}.`);
    webhookFields(context, issued.webhook, [["Secret", issued.secret]]);
    context.out.line();
    context.out.line(
      "The secret is shown this once. Verify messages with it: sqibs webhooks listen --secret <it>.",
    );
  });
}

function showWebhook(context: Context, webhook: Webhook): void {
  context.out.result(webhook, () => webhookFields(context, webhook));
}

function webhookFields(
  context: Context,
  webhook: Webhook,
  more: Array<[label: string, value: unknown]> = [],
): void {
  context.out.fields([
    ["ID", webhook.id],
    ["Scope", scopeText(webhook)],
    ["URL", webhook.url],
    ["Events", webhook.events.join(", ")],
    ["Workflow", webhook.workflowId],
    ["Format", webhook.format],
    ["Enabled", webhook.enabled],
    ["Disabled because", webhook.disabledReason],
    ["Secret prefix", webhook.secretPrefix],
    ["Last attempt", webhook.lastAttempt ? attemptText(webhook.lastAttempt) : undefined],
    ["Last success", webhook.lastSuccessAt],
    ["Created", webhook.createdAt],
    ...more,
  ]);
}

function scopeText(webhook: Webhook): string {
  if (webhook.scope === "team") return `team ${webhook.teamId ?? ""}`;
  if (webhook.scope === "service") return `service ${webhook.serviceId ?? ""}`;
  return "global";
}

/** `2026-11-28T10:00:00.120Z 200 (18.5 ms)` or `… failed: HTTP 503 Service Unavailable`. */
function attemptText(attempt: WebhookAttempt): string {
  const outcome = attempt.succeeded
    ? `${attempt.httpStatus ?? ""} (${attempt.latencyMs} ms)`
    : `failed: ${attempt.detail ?? attempt.reason ?? ""}`;
  return `${attempt.at} ${outcome}`.trim();
}

function deliveryRow(delivery: WebhookDelivery) {
  const last = delivery.attempts.at(-1);
  return {
    ...delivery,
    tries: delivery.attempts.length,
    last: last ? attemptText(last) : "",
  };
}

function eventTypes(text: string): WebhookEventType[] {
  const types = text
    .split(",")
    .map((type) => type.trim())
    .filter(Boolean);
  const unknown = types.filter(
    (type) => !(SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(type),
  );
  if (types.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`event types among ${SUBSCRIBABLE_EVENT_TYPES.join(", ")}`);
  }
  return types as WebhookEventType[];
}
