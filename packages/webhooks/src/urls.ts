import { type AddressPolicy, checkAddress } from "./addresses.js";

/** The operator's choices, from WEBHOOK_ALLOWED_CIDRS and WEBHOOK_ALLOW_HTTP. */
export interface UrlPolicy {
  addresses: AddressPolicy;
  /** Plain `http:` targets (on-prem receivers, tests); `https:` otherwise. */
  allowHttp: boolean;
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlRefusalCode =
  | "invalid-url"
  | "too-long"
  | "unsupported-scheme"
  | "https-required"
  | "blocked-port"
  | "refused-address";

/** Why a webhook URL is refused; the service answers it as 400 problem+json with `reason`. */
export class WebhookUrlError extends Error {
  constructor(
    readonly code: UrlRefusalCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "WebhookUrlError";
  }
}

/**
 * Ports that browsers never fetch from (WHATWG Fetch, "bad port"): mail, shell, DNS, IRC and
 * other services a crafted HTTP request could talk to. Every other port is allowed; the
 * address policy, not the port, keeps webhooks out of the service's own network.
 */
export const BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/** The host of a URL without IPv6 brackets or a trailing root dot, lower case. */
export function bareHost(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "")
    .toLowerCase();
}

function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

/** `localhost` and `*.localhost` always mean the loopback address (RFC 6761 §6.3). */
function isLoopbackName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * Checks a webhook URL when it is created or changed: syntax, scheme, port, and the host when
 * it is an IP address or a loopback name. A DNS name is checked again on every send, on each
 * address it resolves to and on the address actually connected to (sender.ts). Returns the
 * parsed URL; throws WebhookUrlError naming the reason.
 */
export function checkWebhookUrl(text: string, policy: UrlPolicy): URL {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new WebhookUrlError(
      "too-long",
      `The URL is ${text.length} characters long; at most ${MAX_WEBHOOK_URL_LENGTH} are allowed.`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookUrlError("invalid-url", "The URL does not parse as an absolute URL.");
  }
  checkScheme(url, policy);
  const port = url.port === "" ? undefined : Number(url.port);
  if (port !== undefined && BLOCKED_PORTS.has(port)) {
    throw new WebhookUrlError(
      "blocked-port",
      `Port ${port} belongs to a service that is not HTTP; webhooks may not use it.`,
    );
  }
  const host = bareHost(url);
  if (host === "") throw new WebhookUrlError("invalid-url", "The URL has no host.");
  const address = isIpLiteral(host) ? host : isLoopbackName(host) ? "127.0.0.1" : undefined;
  const refusal = address === undefined ? undefined : checkAddress(address, policy.addresses);
  if (refusal) {
    const named = address === host ? "" : `${host} always resolves to loopback: `;
    throw new WebhookUrlError("refused-address", `${named}${refusal.reason}`);
  }
  return url;
}

function checkScheme(url: URL, policy: UrlPolicy): void {
  if (url.protocol === "https:") return;
  if (url.protocol !== "http:") {
    throw new WebhookUrlError(
      "unsupported-scheme",
      `The URL's scheme is ${url.protocol.replace(/:$/, "")}; webhooks are sent over https (or http).`,
    );
  }
  if (!policy.allowHttp) {
    throw new WebhookUrlError(
      "https-required",
      "Webhooks are sent over https; the operator can allow http with WEBHOOK_ALLOW_HTTP=true.",
    );
  }
}

const REDACTED = "[REDACTED]";

/** Hosts whose URL path is itself the secret (`/services/T…/B…/<token>`). */
const SECRET_PATH_PREFIXES: ReadonlyArray<{ host: string; prefix: string }> = [
  { host: "hooks.slack.com", prefix: "/services/" },
];

/**
 * A webhook URL as logs and the delivery log show it: user-info, query and fragment replaced,
 * and the path of hosts whose path is the secret (Slack incoming webhooks). A text that does
 * not parse is replaced whole.
 */
export function redactWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return REDACTED;
  }
  const userInfo = url.username || url.password ? `${REDACTED}@` : "";
  const host = bareHost(url);
  const secretPath = SECRET_PATH_PREFIXES.find(
    (entry) => entry.host === host && url.pathname.startsWith(entry.prefix),
  );
  const path = secretPath ? `${secretPath.prefix}${REDACTED}` : url.pathname;
  const query = url.search ? `?${REDACTED}` : "";
  return `${url.protocol}//${userInfo}${url.host}${path}${query}`;
}
