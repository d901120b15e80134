import { type LookupAddress, type LookupOptions, lookup as systemLookup } from "node:dns";
import type { Agent, ClientRequest, IncomingMessage } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { rootCertificates } from "node:tls";
import { type AddressPolicy, type AddressRefusal, checkAddress } from "./addresses.js";
import { memoized } from "./memo.js";
import { parseRetryAfter } from "./retry.js";
import { checkWebhookUrl, type UrlPolicy, WebhookUrlError } from "./urls.js";

// node:http by getBuiltinModule, not an ES import: an ES import reads every export, and its
// lazy WebSocket getters load undici, about 5 MiB never used (bench/README.md, "Service
// memory: code loaded at rest"; test/hardening/launcher.test.ts in @sqibs/intake).
const http = process.getBuiltinModule("node:http");

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 64 * 1024;
export const RESPONSE_EXCERPT_BYTES = 1024;
const USER_AGENT = "sqibs-webhooks/1";
/** An idle kept-alive connection to a receiver is closed after this long at the latest. */
const IDLE_SOCKET_MS = 4_000;

export type FailureReason =
  | "refused-url"
  | "refused-address"
  | "dns"
  | "connection"
  | "tls"
  | "timeout"
  | "redirect"
  | "http-status";

interface AttemptFacts {
  /** From the start of the attempt to the end of the response (or of the failure). */
  latencyMs: number;
  status?: number;
  /** The first 1 KB of the response body, as UTF-8 text. */
  responseExcerpt?: string;
  /** The receiver's Retry-After, in seconds from the attempt. */
  retryAfterSeconds?: number;
  /** The address the socket was connected to. */
  connectedAddress?: string;
}

/** What one attempt came to: 2xx is delivered; anything else failed, for the reason given. */
export type AttemptOutcome =
  | (AttemptFacts & { ok: true; status: number })
  | (AttemptFacts & {
      ok: false;
      reason: FailureReason;
      /** A refused URL or address will be refused again: retrying it is pointless. */
      retryable: boolean;
      detail: string;
    });

export interface OutgoingMessage {
  url: string;
  /** The signature headers (signing.ts) and any other; content type and length are set here. */
  headers: Record<string, string>;
  body: string;
}

export type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface SenderOptions {
  policy: UrlPolicy;
  /** For the whole attempt: DNS, connection, request and response. */
  timeoutMs?: number;
  /** More certificate authorities to trust for https receivers, besides Node's. */
  ca?: string | string[];
  /** Name resolution; the system's (`dns.lookup`, which reads /etc/hosts) by default. */
  resolve?: Resolver;
  /** How long a checked target is kept unused (MEMO_IDLE_MS by default; tests shorten it). */
  forgetIdleMs?: number;
}

export interface Sender {
  (message: OutgoingMessage): Promise<AttemptOutcome>;
  /**
   * Drops the checked targets kept for these URLs (their user-info and path may be secrets):
   * their webhook was deleted or given another URL. Sending to one again checks it again.
   */
  forget(urls: Iterable<string>): void;
  /** Whether a checked target for this URL is kept in memory. */
  isTargetKept(url: string): boolean;
}

/** Thrown into a socket whose address the policy refuses, before anything is sent on it. */
export class AddressRefusedError extends Error {
  readonly code = "ERR_WEBHOOK_ADDRESS_REFUSED";
  constructor(
    readonly host: string,
    readonly refusal: AddressRefusal,
  ) {
    super(host === refusal.address ? refusal.reason : `${host} resolves to ${refusal.reason}`);
    this.name = "AddressRefusedError";
  }
}

class SendTimeoutError extends Error {
  readonly code = "ERR_WEBHOOK_TIMEOUT";
}

/**
 * A `lookup` for sockets that resolves every address of a name and refuses the name when any
 * of them is refused (a name with one public and one private address is a rebinding trick).
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemLookup) {
  return (
    hostname: string,
    options: LookupOptions,
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const refusal = checkAddress(address, policy);
        if (refusal) return callback(new AddressRefusedError(hostname, refusal), []);
      }
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error("no address"), { code: "ENODATA" }), []);
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * Checks the address a socket actually connected to, before the request is written to it
 * (the listener runs first); destroys the socket when the policy refuses the address. This
 * also covers addresses that never went through `lookup` (IP literals).
 */
export function guardSocket(socket: Duplex, policy: AddressPolicy): void {
  const net = socket as Socket;
  const check = () => {
    // No address at all is refused too: checkAddress refuses what does not parse.
    const address = net.remoteAddress ?? "unknown";
    const refusal = checkAddress(address, policy);
    if (refusal) net.destroy(new AddressRefusedError(address, refusal));
  };
  if (net.connecting === false && !net.destroyed) check();
  else net.prependOnceListener("connect", check);
}

/**
 * Agents that keep connections alive between attempts: a socket is checked (guardSocket) when
 * it connects, before anything is written to it, and may then carry further attempts to the
 * same host and port; a new socket resolves the name (guardedLookup) and is checked again.
 * Sockets are pooled by host and port, so a reused one is connected to an address that passed
 * the policy. An idle socket is closed a second before the receiver's `Keep-Alive: timeout`
 * hint, and after IDLE_SOCKET_MS at the latest.
 */
function guardedAgents(policy: AddressPolicy, ca: SenderOptions["ca"]) {
  class GuardedHttpAgent extends http.Agent {
    override createConnection(...args: Parameters<Agent["createConnection"]>) {
      const socket = super.createConnection(...args);
      if (socket) guardSocket(socket, policy);
      return socket;
    }
  }
  class GuardedHttpsAgent extends https.Agent {
    override createConnection(...args: Parameters<https.Agent["createConnection"]>) {
      const socket = super.createConnection(...args);
      if (socket) guardSocket(socket, policy);
      return socket;
    }
  }
  const pooled = { keepAlive: true, timeout: IDLE_SOCKET_MS };
  return {
    "http:": new GuardedHttpAgent(pooled),
    "https:": new GuardedHttpsAgent({
      ...pooled,
      // Setting `ca` replaces Node's roots, so they are listed again beside the extra ones.
      ...(ca ? { ca: [...(Array.isArray(ca) ? ca : [ca]), ...rootCertificates] } : {}),
    }),
  };
}

/**
 * One POST per call: the URL checked against the policy, every resolved address and the
 * connected one checked (on a kept-alive connection: when it connected), no redirect
 * followed, at most 64 KB of the answer read, everything within one timeout. Never throws:
 * every way an attempt can end is an AttemptOutcome.
 */
export function createSender(options: SenderOptions): Sender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const agents = guardedAgents(options.policy.addresses, options.ca);
  const lookup = guardedLookup(options.policy.addresses, options.resolve);
  /**
   * The request's target for a URL, or why the policy refuses it: checked once per URL
   * text (the policy does not change; every send still resolves and checks the address it
   * connects to).
   */
  const targetOf = memoized(
    MAX_TARGETS,
    (text) => checkedTarget(text, options.policy, agents),
    options.forgetIdleMs,
  );

  const send = (message: OutgoingMessage): Promise<AttemptOutcome> => {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const target = targetOf(message.url);
    if (target instanceof WebhookUrlError) {
      const reason = target.code === "refused-address" ? "refused-address" : "refused-url";
      return Promise.resolve({
        ok: false,
        reason,
        retryable: false,
        detail: target.reason,
        latencyMs: elapsed(),
      });
    }
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      let connectedAddress: string | undefined;
      let answered: IncomingMessage | undefined;
      const finish = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const body = Buffer.from(message.body, "utf8");
      let request: ClientRequest;
      const post = (mayRetry: boolean) => {
        request = (target.protocol === "https:" ? https : http).request(
          {
            method: "POST",
            ...target,
            lookup,
            headers: {
              ...message.headers,
              "content-type": "application/json",
              "content-length": String(body.length),
              "user-agent": USER_AGENT,
            },
          },
          (response) => {
            answered = response;
            readResponse(response, (facts) => {
              const status = response.statusCode ?? 0;
              const base = { ...facts, status, latencyMs: elapsed(), connectedAddress };
              if (status >= 200 && status < 300) finish({ ok: true, ...base });
              else finish({ ok: false, ...base, ...failureForStatus(status, response) });
            });
          },
        );
        request.on("socket", (socket) => {
          // A kept-alive socket was connected (and checked) by an earlier attempt.
          if (socket.remoteAddress) connectedAddress = socket.remoteAddress;
          else {
            socket.once("connect", () => {
              connectedAddress = socket.remoteAddress;
            });
          }
        });
        const sentOn = request;
        request.on("error", (error) => {
          // Once the status has arrived, the outcome is the receiver's answer (readResponse).
          if (answered || settled) return;
          // The receiver closed a kept-alive connection just as it was reused: once more, on
          // a connection of its own.
          if (mayRetry && sentOn.reusedSocket && isClosedByPeer(error)) return post(false);
          finish({ ok: false, ...describeError(error), latencyMs: elapsed(), connectedAddress });
        });
        request.end(body);
      };
      const timer = setTimeout(() => {
        if (answered) answered.destroy();
        else request.destroy(new SendTimeoutError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      post(true);
    });
  };
  return Object.assign(send, { forget: targetOf.forget, isTargetKept: targetOf.holds });
}

function isClosedByPeer(error: unknown): boolean {
  const { code } = error as NodeJS.ErrnoException;
  return code === "ECONNRESET" || code === "EPIPE";
}

/** Webhook URLs whose checked targets a sender keeps, at most. */
const MAX_TARGETS = 1_024;

/** Where a webhook's requests go: the options of `http.request` that come from its URL. */
interface Target {
  protocol: "http:" | "https:";
  hostname: string;
  port: string | undefined;
  path: string;
  auth: string | undefined;
  agent: Agent;
}

function checkedTarget(
  text: string,
  policy: UrlPolicy,
  agents: Record<Target["protocol"], Agent>,
): Target | WebhookUrlError {
  let url: URL;
  try {
    url = checkWebhookUrl(text, policy);
  } catch (error) {
    if (error instanceof WebhookUrlError) return error;
    throw error;
  }
  const protocol = url.protocol as Target["protocol"];
  return {
    protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    auth: userInfoOf(url),
    agent: agents[protocol],
  };
}

function userInfoOf(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  return `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
}

/**
 * Reads at most MAX_RESPONSE_BYTES of the answer, then stops reading and closes the
 * connection. A body that stalls or breaks after the status line still leaves the status:
 * the receiver has answered.
 */
function readResponse(
  response: IncomingMessage,
  done: (facts: Pick<AttemptFacts, "responseExcerpt" | "retryAfterSeconds">) => void,
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    done({
      responseExcerpt: chunks.length > 0 ? excerptOf(Buffer.concat(chunks)) : "",
      retryAfterSeconds: parseRetryAfter(response.headers["retry-after"], new Date()),
    });
  };
  response.on("data", (chunk: Buffer) => {
    if (received < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
    received += chunk.length;
    if (received >= MAX_RESPONSE_BYTES) {
      response.destroy();
      end();
    }
  });
  response.on("end", end);
  response.on("close", end);
  response.on("error", end);
}

/** The first 1 KB as text, without a character cut in half at the end. */
function excerptOf(bytes: Buffer): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(
    bytes.subarray(0, RESPONSE_EXCERPT_BYTES),
    { stream: true },
  );
}

function failureForStatus(status: number, response: IncomingMessage) {
  if (status >= 300 && status < 400) {
    return {
      reason: "redirect" as const,
      retryable: true,
      detail: `HTTP ${status}: redirects are not followed${response.headers.location ? "; give the webhook the final URL" : ""}.`,
    };
  }
  return {
    reason: "http-status" as const,
    retryable: true,
    detail: `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ""}`,
  };
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_)/;

function describeError(error: unknown): {
  reason: FailureReason;
  retryable: boolean;
  detail: string;
} {
  if (error instanceof AddressRefusedError) {
    return { reason: "refused-address", retryable: false, detail: error.message };
  }
  if (error instanceof SendTimeoutError) {
    return { reason: "timeout", retryable: true, detail: error.message };
  }
  const { code, message } = error as NodeJS.ErrnoException;
  const detail = code && !message.includes(code) ? `${code}: ${message}` : message;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ENODATA") {
    return { reason: "dns", retryable: true, detail };
  }
  if (code && TLS_CODE.test(code)) return { reason: "tls", retryable: true, detail };
  return { reason: "connection", retryable: true, detail };
}
