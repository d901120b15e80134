import { describe, expect, it } from "vitest";
import {
  CidrError,
  checkAddress,
  embeddedIpv4,
  formatIp,
  NO_ALLOWED_RANGES,
  parseCidr,
  parseCidrList,
  parseIp,
} from "../addresses.js";

describe("parseIp and formatIp", () => {
  it.each([
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["fe80::1:0:0:1", "fe80::1:0:0:1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["::ffff:127.0.0.1", "::ffff:7f00:1"],
    ["::127.0.0.1", "::7f00:1"],
    ["64:ff9b::10.0.0.1", "64:ff9b::a00:1"],
  ])("%s reads and prints as %s", (text, printed) => {
    const address = parseIp(text);
    expect(address).toBeDefined();
    expect(formatIp(address as NonNullable<typeof address>)).toBe(printed);
  });

  it.each([
    ["a leading zero (octal to some parsers)", "010.0.0.1"],
    ["an octet over 255", "256.0.0.1"],
    ["three parts", "127.0.1"],
    ["a decimal integer", "2130706433"],
    ["hex", "0x7f.0.0.1"],
    ["two ::", "1::2::3"],
    ["nine groups", "1:2:3:4:5:6:7:8:9"],
    ["seven groups without ::", "1:2:3:4:5:6:7"],
    ["a five-digit group", "12345::1"],
    ["a broken embedded IPv4", "::ffff:1.2.3"],
    ["a name", "localhost"],
    ["empty", ""],
  ])("refuses %s", (_name, text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe("parseCidr and parseCidrList (WEBHOOK_ALLOWED_CIDRS)", () => {
  it.each([
    ["127.0.0.0/8", "127.0.0.0/8"],
    ["10.1.0.0/16", "10.1.0.0/16"],
    ["192.168.1.7", "192.168.1.7/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["FD00::/8", "fd00::/8"],
    ["::1", "::1/128"],
    [" 2001:db8::/32 ", "2001:db8::/32"],
  ])("%j -> %s", (text, normalised) => {
    expect(parseCidr(text).text).toBe(normalised);
  });

  it.each([
    ["host bits set", "10.1.2.3/16", "did you mean 10.1.0.0/16?"],
    ["a prefix over 32", "10.0.0.0/33", "prefix length from 0 to 32"],
    ["a prefix over 128", "fd00::/129", "prefix length from 0 to 128"],
    ["no prefix number", "10.0.0.0/", "prefix length"],
    ["a name", "localhost/8", "not an IPv4 or IPv6 address range"],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseCidr(text)).toThrow(CidrError);
    expect(() => parseCidr(text)).toThrow(message);
  });

  it("reads a comma- or space-separated list, empty as none", () => {
    expect(parseCidrList("127.0.0.0/8,10.1.0.0/16").map((cidr) => cidr.text)).toEqual([
      "127.0.0.0/8",
      "10.1.0.0/16",
    ]);
    expect(parseCidrList(" 127.0.0.0/8 ,  ::1/128\tfd00::/8 ").map((cidr) => cidr.text)).toEqual([
      "127.0.0.0/8",
      "::1/128",
      "fd00::/8",
    ]);
    expect(parseCidrList("")).toEqual([]);
    expect(parseCidrList(undefined)).toEqual([]);
    expect(() => parseCidrList("127.0.0.0/8,nonsense")).toThrow('"nonsense"');
  });
});

describe("checkAddress refuses every special range", () => {
  it.each([
    // IPv4
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["100.64.0.1", "shared address space (CGNAT)"],
    ["100.127.255.254", "shared address space (CGNAT)"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.169.254", "link-local (cloud metadata)"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.0.0.192", "IETF protocol assignments"],
    ["192.0.2.10", "documentation"],
    ["192.88.99.1", "6to4 relay anycast"],
    ["192.168.1.1", "private"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    // IPv6
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fc00::1", "unique local (ULA)"],
    ["fd12:3456:789a::1", "unique local (ULA)"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["fec0::1", "site-local (deprecated)"],
    ["ff02::1", "multicast"],
    ["100::1", "discard-only"],
    ["2001::1", "IETF protocol assignments (Teredo, ORCHID, benchmarking)"],
    ["2001:2::1", "IETF protocol assignments (Teredo, ORCHID, benchmarking)"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["64:ff9b:1::1", "local-use NAT64"],
    ["4000::1", "not global unicast"],
    ["::2:0:0:1", "not global unicast"],
    // IPv4 carried in IPv6: judged by the IPv4 address
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local (cloud metadata)"],
    ["::10.0.0.1", "private"],
    ["64:ff9b::192.168.0.1", "private"],
    ["64:ff9b::a9fe:a9fe", "link-local (cloud metadata)"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:a00:1::", "private"],
    ["[::1]", "loopback"],
  ])("%s: %s", (address, rangeName) => {
    const refusal = checkAddress(address, NO_ALLOWED_RANGES);
    expect(refusal?.range.name).toBe(rangeName);
    expect(refusal?.reason).toContain("WEBHOOK_ALLOWED_CIDRS");
  });

  it("names the address, its range and the IPv4 address an IPv6 form carries", () => {
    expect(checkAddress("::ffff:10.1.2.3", NO_ALLOWED_RANGES)?.reason).toBe(
      "::ffff:10.1.2.3 (it carries the IPv4 address 10.1.2.3) is in 10.0.0.0/8 (private), " +
        "which webhooks may not reach; the operator can open it with WEBHOOK_ALLOWED_CIDRS.",
    );
  });

  it("refuses what is not an address at all", () => {
    expect(checkAddress("example.com", NO_ALLOWED_RANGES)?.range.name).toBe("not an IP address");
  });
});

describe("checkAddress lets public addresses through", () => {
  it.each([
    "1.1.1.1",
    "8.8.8.8",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "198.17.255.255",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("%s", (address) => {
    expect(checkAddress(address, NO_ALLOWED_RANGES)).toBeUndefined();
  });
});

describe("the operator's allow-list opens ranges", () => {
  const policy = { allowed: parseCidrList("127.0.0.0/8,10.1.0.0/16,fd00:1::/32") };

  it.each([
    ["127.0.0.1", undefined],
    ["127.9.9.9", undefined],
    ["::ffff:127.0.0.1", undefined],
    ["10.1.200.3", undefined],
    ["fd00:1::5", undefined],
    ["10.2.0.1", "private"],
    ["::1", "loopback"],
    ["fd00:2::5", "unique local (ULA)"],
    ["169.254.169.254", "link-local (cloud metadata)"],
  ])("%s -> %s", (address, refusedAs) => {
    expect(checkAddress(address, policy)?.range.name).toBe(refusedAs);
  });
});

describe("embeddedIpv4", () => {
  it.each([
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::1.2.3.4", "1.2.3.4"],
    ["64:ff9b::1.2.3.4", "1.2.3.4"],
    ["2002:102:304::", "1.2.3.4"],
    ["::1", undefined],
    ["::", undefined],
    ["2001:db8::1", undefined],
    ["1.2.3.4", undefined],
  ])("%s carries %s", (text, carried) => {
    const address = parseIp(text);
    if (!address) throw new Error(`${text} must parse`);
    const embedded = embeddedIpv4(address);
    expect(embedded && formatIp(embedded)).toBe(carried);
  });
});
