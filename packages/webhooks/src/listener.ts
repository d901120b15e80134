import { once } from "node:events";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

// node:http by getBuiltinModule, not an ES import: an ES import reads every export, and its
// lazy WebSocket getters load undici, about 5 MiB never used (bench/README.md, "Service
// memory: code loaded at rest"; test/hardening/launcher.test.ts in @sqibs/intake).
const http = process.getBuiltinModule("node:http");

/**
 * A local receiver that verifies each message with the `standardwebhooks` package, exactly as
 * a receiver should, and reports it: `sqibs webhooks listen` prints what arrives.
 */

export const LISTENER_BODY_LIMIT_BYTES = 1024 * 1024;

export type ReceivedMessage =
  | {
      verified: true;
      id: string;
      /** The `webhook-timestamp` header (the attempt's time). */
      sentAt: Date;
      /** The parsed body: the JSON envelope, or a Slack message. */
      body: unknown;
    }
  | {
      verified: false;
      id?: string;
      /** Why it was refused (missing headers, no matching signature, too old…). */
      reason: string;
    };

export interface ListenerOptions {
  /** One secret or several (during a rotation); a message signed by any of them is accepted. */
  secrets: readonly string[];
  port?: number;
  host?: string;
  onMessage: (message: ReceivedMessage) => void;
}

export interface RunningListener {
  url: string;
  close: () => Promise<void>;
}

/** Starts the receiver: 204 for a verified message, 401 problem+json for any other. */
export async function startWebhookListener(options: ListenerOptions): Promise<RunningListener> {
  if (options.secrets.length === 0) throw new Error("the listener needs the webhook's secret");
  const verifiers = options.secrets.map((secret) => new Webhook(secret));
  const server = http.createServer((request, response) => {
    if (request.method !== "POST") {
      answer(response, 405, "Webhooks are POSTed.", { allow: "POST" });
      return;
    }
    readBody(request)
      .then((body) => {
        if (body === undefined) {
          answer(response, 413, `The body is over ${LISTENER_BODY_LIMIT_BYTES} bytes.`);
          return;
        }
        const message = verify(verifiers, body, request.headers);
        options.onMessage(message);
        if (message.verified) answer(response, 204);
        else answer(response, 401, message.reason);
      })
      .catch(() => request.destroy());
  });
  server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function verify(
  verifiers: readonly Webhook[],
  body: string,
  headers: IncomingHttpHeaders,
): ReceivedMessage {
  const single = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(" ") : (value ?? "");
  };
  const signed = {
    "webhook-id": single("webhook-id"),
    "webhook-timestamp": single("webhook-timestamp"),
    "webhook-signature": single("webhook-signature"),
  };
  const id = signed["webhook-id"] || undefined;
  let reason = "";
  for (const verifier of verifiers) {
    try {
      const parsed = verifier.verify(body, signed);
      return {
        verified: true,
        id: signed["webhook-id"],
        sentAt: new Date(Number(signed["webhook-timestamp"]) * 1000),
        body: parsed,
      };
    } catch (error) {
      if (!(error instanceof WebhookVerificationError) && !(error instanceof SyntaxError)) {
        throw error;
      }
      reason = error instanceof SyntaxError ? "the body is signed but is not JSON" : error.message;
    }
  }
  return { verified: false, ...(id ? { id } : {}), reason: `refused: ${reason}` };
}

/** The body as text, or undefined past the limit (the rest is read and thrown away). */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= LISTENER_BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    request.on("end", () => {
      resolve(
        size > LISTENER_BODY_LIMIT_BYTES ? undefined : Buffer.concat(chunks).toString("utf8"),
      );
    });
    request.on("error", reject);
  });
}

function answer(
  response: ServerResponse,
  status: number,
  detail?: string,
  headers: Record<string, string> = {},
): void {
  if (detail === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const problem = { type: "about:blank", title: http.STATUS_CODES[status], status, detail };
  response
    .writeHead(status, { ...headers, "content-type": "application/problem+json" })
    .end(JSON.stringify(problem));
}
