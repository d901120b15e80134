import { describe, expect, it } from "vitest";
import { NO_ALLOWED_RANGES, parseCidrList } from "../addresses.js";
import {
  checkWebhookUrl,
  MAX_WEBHOOK_URL_LENGTH,
  redactWebhookUrl,
  type UrlPolicy,
  WebhookUrlError,
} from "../urls.js";

const strict: UrlPolicy = { addresses: NO_ALLOWED_RANGES, allowHttp: false };
const onPrem: UrlPolicy = {
  addresses: { allowed: parseCidrList("127.0.0.0/8,10.1.0.0/16") },
  allowHttp: true,
};

function refusal(url: string, policy: UrlPolicy): WebhookUrlError {
  try {
    checkWebhookUrl(url, policy);
  } catch (error) {
    if (error instanceof WebhookUrlError) return error;
    throw error;
  }
  throw new Error(`${url} was accepted`);
}

describe("checkWebhookUrl refuses at creation, naming the reason", () => {
  it.each([
    ["not a URL", "hooks.example.com/x", "invalid-url", "does not parse"],
    ["a relative URL", "/v1/hooks", "invalid-url", "does not parse"],
    ["ftp", "ftp://hooks.example.com/x", "unsupported-scheme", "scheme is ftp"],
    ["file", "file:///etc/passwd", "unsupported-scheme", "scheme is file"],
    ["javascript", "javascript:alert(1)", "unsupported-scheme", "scheme is javascript"],
    ["gopher", "gopher://hooks.example.com:70/", "unsupported-scheme", "scheme is gopher"],
    [
      "http without WEBHOOK_ALLOW_HTTP",
      "http://hooks.example.com/x",
      "https-required",
      "WEBHOOK_ALLOW_HTTP=true",
    ],
    ["SMTP's port", "https://hooks.example.com:25/x", "blocked-port", "Port 25"],
    ["SSH's port", "https://hooks.example.com:22/", "blocked-port", "Port 22"],
    ["loopback", "https://127.0.0.1/x", "refused-address", "127.0.0.0/8 (loopback)"],
    ["loopback as a decimal number", "https://2130706433/x", "refused-address", "loopback"],
    ["loopback in hex", "https://0x7f.0.0.1/x", "refused-address", "loopback"],
    ["loopback shortened", "https://127.1/x", "refused-address", "loopback"],
    [
      "localhost",
      "https://localhost:8443/x",
      "refused-address",
      "localhost always resolves to loopback",
    ],
    ["localhost with a root dot", "https://localhost./x", "refused-address", "loopback"],
    ["a .localhost name", "https://api.localhost/x", "refused-address", "loopback"],
    ["RFC 1918 10/8", "https://10.0.0.5/x", "refused-address", "(private)"],
    ["RFC 1918 172.16/12", "https://172.20.1.1/x", "refused-address", "(private)"],
    ["RFC 1918 192.168/16", "https://192.168.0.1/x", "refused-address", "(private)"],
    [
      "cloud metadata",
      "https://169.254.169.254/latest/meta-data",
      "refused-address",
      "link-local (cloud metadata)",
    ],
    ["CGNAT", "https://100.64.1.1/", "refused-address", "CGNAT"],
    ["multicast", "https://224.0.0.251/", "refused-address", "multicast"],
    ["unspecified", "https://0.0.0.0/", "refused-address", "unspecified"],
    ["broadcast", "https://255.255.255.255/", "refused-address", "broadcast"],
    ["IPv6 loopback", "https://[::1]/x", "refused-address", "::1/128 (loopback)"],
    ["IPv6 unspecified", "https://[::]/x", "refused-address", "unspecified"],
    ["IPv6 ULA", "https://[fd00::1]/x", "refused-address", "unique local (ULA)"],
    ["IPv6 link-local", "https://[fe80::1]/x", "refused-address", "link-local"],
    ["IPv6 multicast", "https://[ff02::1]/x", "refused-address", "multicast"],
    [
      "IPv4-mapped loopback",
      "https://[::ffff:127.0.0.1]/x",
      "refused-address",
      "carries the IPv4 address 127.0.0.1",
    ],
    [
      "NAT64 of the metadata address",
      "https://[64:ff9b::169.254.169.254]/",
      "refused-address",
      "cloud metadata",
    ],
  ])("%s", (_name, url, code, reason) => {
    const error = refusal(url, strict);
    expect(error.code).toBe(code);
    expect(error.reason).toContain(reason);
  });

  it("refuses a URL over the length limit", () => {
    const url = `https://hooks.example.com/${"a".repeat(MAX_WEBHOOK_URL_LENGTH)}`;
    expect(refusal(url, strict).code).toBe("too-long");
  });

  it("still refuses ranges the operator did not open", () => {
    expect(refusal("http://10.2.0.1/x", onPrem).reason).toContain("(private)");
    expect(refusal("http://[::1]:8080/x", onPrem).reason).toContain("loopback");
    expect(refusal("http://169.254.169.254/", onPrem).reason).toContain("cloud metadata");
  });
});

describe("checkWebhookUrl accepts", () => {
  it.each([
    ["a public https URL", "https://hooks.example.com/sqibs", strict],
    ["a port of its own", "https://hooks.example.com:8443/sqibs?team=ops", strict],
    [
      "user-info (sent as Basic auth, never logged)",
      "https://user:pa%20ss@hooks.example.com/",
      strict,
    ],
    ["a public IPv4 address", "https://8.8.8.8/x", strict],
    ["a public IPv6 address", "https://[2606:4700:4700::1111]/x", strict],
    ["a DNS name (checked again at send time)", "https://intranet.corp/x", strict],
    ["http when allowed", "http://hooks.example.com/x", onPrem],
    ["an opened loopback address", "http://127.0.0.1:4000/hooks", onPrem],
    ["localhost when loopback is opened", "http://localhost:4000/hooks", onPrem],
    ["an opened private range", "http://10.1.4.2/hooks", onPrem],
  ])("%s", (_name, url, policy) => {
    expect(checkWebhookUrl(url, policy).href).toBe(new URL(url).href);
  });
});

describe("redactWebhookUrl (logs and the delivery log)", () => {
  it.each([
    ["keeps a plain URL", "https://hooks.example.com/a/b", "https://hooks.example.com/a/b"],
    [
      "replaces user-info",
      "https://alice:s3cret@hooks.example.com/a",
      "https://[REDACTED]@hooks.example.com/a",
    ],
    [
      "replaces a user name alone",
      "https://token123@hooks.example.com/a",
      "https://[REDACTED]@hooks.example.com/a",
    ],
    [
      "replaces the whole query",
      "https://hooks.example.com/a?token=abc&x=1",
      "https://hooks.example.com/a?[REDACTED]",
    ],
    ["drops the fragment", "https://hooks.example.com/a#secret", "https://hooks.example.com/a"],
    ["keeps the port", "http://127.0.0.1:4000/h?k=v", "http://127.0.0.1:4000/h?[REDACTED]"],
    [
      "replaces a Slack webhook's path, which is its secret",
      "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
      "https://hooks.slack.com/services/[REDACTED]",
    ],
    ["replaces a text that does not parse", "not a url with secret", "[REDACTED]"],
  ])("%s", (_name, url, shown) => {
    expect(redactWebhookUrl(url)).toBe(shown);
  });
});
