import { isWebhookSecret, type ReceivedMessage, startWebhookListener } from "@sqibs/webhooks";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { CliError } from "../errors.js";
import { outputFor } from "../output.js";

export const DEFAULT_LISTEN_PORT = 4000;

interface ListenOptions {
  port: string;
  host: string;
  secret?: string[];
}

/**
 * `sqibs webhooks`: for now `listen`, a local receiver that verifies each message's Standard
 * Webhooks signature and prints it, for people wiring a receiver. It needs no service and no
 * token, only the webhook's secret.
 */
export function webhooksCommand(program: Command): void {
  const webhooks = program.command("webhooks").description("outgoing webhooks");
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
