/**
 * Which IP addresses a webhook may reach. Everything that leads into the network the service
 * runs in (loopback, private, link-local with the cloud metadata address, CGNAT, …) and every
 * address that is not routable on the internet is refused, unless the operator opens its range
 * (WEBHOOK_ALLOWED_CIDRS). IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64,
 * 6to4) are judged by the IPv4 address they carry, since that is where the packets go.
 */

export type IpVersion = 4 | 6;

export interface IpAddress {
  version: IpVersion;
  /** The address as a 32-bit (IPv4) or 128-bit (IPv6) number. */
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  network: bigint;
  prefixLength: number;
  /** As written, normalised (`10.1.0.0/16`, `fc00::/7`). */
  text: string;
}

export interface AddressRange extends Cidr {
  /** What the range is, for the reason a refusal gives (`loopback`, `private`, …). */
  name: string;
}

export interface AddressPolicy {
  /** Ranges the operator opened; they win over every refused range. */
  allowed: readonly Cidr[];
}

export interface AddressRefusal {
  address: string;
  range: AddressRange;
  /** One sentence naming the address, its range and how to open it. */
  reason: string;
}

export const NO_ALLOWED_RANGES: AddressPolicy = { allowed: [] };

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

/** Parses a dotted-quad IPv4 or an RFC 4291 IPv6 text address (no zone); undefined if neither. */
export function parseIp(text: string): IpAddress | undefined {
  const value = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  if (value === undefined) return undefined;
  return { version: text.includes(":") ? 6 : 4, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Strictly decimal, no leading zeros: `010` means 8 to some parsers and 10 to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let rest = text;
  const lastColon = rest.lastIndexOf(":");
  if (rest.slice(lastColon + 1).includes(".")) {
    // A trailing dotted quad (`::ffff:1.2.3.4`) is the last two groups written as IPv4.
    const ipv4 = parseIpv4(rest.slice(lastColon + 1));
    if (ipv4 === undefined) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}${(ipv4 >> 16n).toString(16)}:${(ipv4 & 0xffffn).toString(16)}`;
  }
  const halves = rest.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (half: string | undefined): bigint[] | undefined => {
    if (!half) return [];
    const groups: bigint[] = [];
    for (const group of half.split(":")) {
      if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
      groups.push(BigInt(`0x${group}`));
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return undefined;
  const written = head.length + tail.length;
  if (halves.length === 1 ? written !== 8 : written > 7) return undefined;
  const zeros = Array<bigint>(8 - written).fill(0n);
  return [...head, ...zeros, ...tail].reduce((value, group) => (value << 16n) | group, 0n);
}

export function formatIp(address: IpAddress): string {
  if (address.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, index) =>
    Number((address.value >> BigInt(112 - index * 16)) & 0xffffn),
  );
  // RFC 5952: the longest run of two or more zero groups becomes `::`.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

export class CidrError extends Error {
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(message);
    this.name = "CidrError";
  }
}

/** `10.1.0.0/16`, `fd00::/8`, or a bare address (a /32 or /128). Host bits must be zero. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const address = parseIp(addressText);
  if (!address) throw new CidrError(trimmed, `"${trimmed}" is not an IPv4 or IPv6 address range`);
  const bits = BITS[address.version];
  const lengthText = slash < 0 ? String(bits) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
    throw new CidrError(trimmed, `"${trimmed}" needs a prefix length from 0 to ${bits}`);
  }
  const prefixLength = Number(lengthText);
  const network = address.value & maskOf(address.version, prefixLength);
  if (network !== address.value) {
    const suggestion = `${formatIp({ version: address.version, value: network })}/${prefixLength}`;
    throw new CidrError(trimmed, `"${trimmed}" has host bits set; did you mean ${suggestion}?`);
  }
  return {
    version: address.version,
    network,
    prefixLength,
    text: `${formatIp(address)}/${prefixLength}`,
  };
}

/** A comma- or space-separated list (the WEBHOOK_ALLOWED_CIDRS format); empty means none. */
export function parseCidrList(text: string | undefined): Cidr[] {
  return (text ?? "")
    .split(/[\s,]+/)
    .filter((entry) => entry !== "")
    .map(parseCidr);
}

function maskOf(version: IpVersion, prefixLength: number): bigint {
  const bits = BigInt(BITS[version]);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefixLength))) - 1n);
}

export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return (
    cidr.version === address.version &&
    (address.value & maskOf(cidr.version, cidr.prefixLength)) === cidr.network
  );
}

function range(text: string, name: string): AddressRange {
  return { ...parseCidr(text), name };
}

/**
 * IPv4 ranges a webhook may not reach (IANA IPv4 Special-Purpose Address Registry, RFC 6890,
 * plus multicast and the reserved 240/4). Order matters only for naming: the first match wins.
 */
export const REFUSED_IPV4_RANGES: readonly AddressRange[] = [
  range("255.255.255.255/32", "broadcast"),
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "shared address space (CGNAT)"),
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local (cloud metadata)"),
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "IETF protocol assignments"),
  range("192.0.2.0/24", "documentation"),
  range("192.88.99.0/24", "6to4 relay anycast"),
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "benchmarking"),
  range("198.51.100.0/24", "documentation"),
  range("203.0.113.0/24", "documentation"),
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
];

/**
 * IPv6 ranges a webhook may not reach. Only 2000::/3 is global unicast; the rest of the space
 * is refused as `not global unicast` after the named ranges below.
 */
export const REFUSED_IPV6_RANGES: readonly AddressRange[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("64:ff9b:1::/48", "local-use NAT64"),
  range("100::/64", "discard-only"),
  range("fc00::/7", "unique local (ULA)"),
  range("fe80::/10", "link-local"),
  range("fec0::/10", "site-local (deprecated)"),
  range("ff00::/8", "multicast"),
  range("2001::/23", "IETF protocol assignments (Teredo, ORCHID, benchmarking)"),
  range("2001:db8::/32", "documentation"),
  range("3fff::/20", "documentation"),
  range("5f00::/16", "segment routing (SRv6 SIDs)"),
];

const GLOBAL_UNICAST_V6 = parseCidr("2000::/3");
const NOT_GLOBAL_UNICAST: AddressRange = { ...parseCidr("::/0"), name: "not global unicast" };

/** IPv6 forms that carry an IPv4 address in known bits. */
const IPV4_CARRIERS: ReadonlyArray<{ cidr: Cidr; extract: (value: bigint) => bigint }> = [
  // IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 (deprecated): the low 32 bits.
  { cidr: parseCidr("::ffff:0:0/96"), extract: (value) => value & 0xffffffffn },
  { cidr: parseCidr("::/96"), extract: (value) => value & 0xffffffffn },
  // NAT64 well-known prefix (RFC 6052): the low 32 bits.
  { cidr: parseCidr("64:ff9b::/96"), extract: (value) => value & 0xffffffffn },
  // 6to4 (RFC 3056): bits 16–47.
  { cidr: parseCidr("2002::/16"), extract: (value) => (value >> 80n) & 0xffffffffn },
];

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.version !== 6 || address.value <= 1n) return undefined; // `::` and `::1` carry none
  const carrier = IPV4_CARRIERS.find(({ cidr }) => cidrContains(cidr, address));
  return carrier ? { version: 4, value: carrier.extract(address.value) } : undefined;
}

/** The refused range an address (not its embedded IPv4) falls in, if any. */
function refusedRangeOf(address: IpAddress): AddressRange | undefined {
  if (address.version === 4) {
    return REFUSED_IPV4_RANGES.find((refused) => cidrContains(refused, address));
  }
  const named = REFUSED_IPV6_RANGES.find((refused) => cidrContains(refused, address));
  if (named) return named;
  if (embeddedIpv4(address)) return undefined; // judged by the IPv4 address it carries
  return cidrContains(GLOBAL_UNICAST_V6, address) ? undefined : NOT_GLOBAL_UNICAST;
}

/**
 * Why a webhook may not connect to this address, or undefined when it may. Takes the text a
 * socket or resolver reports (`10.0.0.1`, `::ffff:10.0.0.1`, `fe80::1%eth0`). An address that
 * does not parse is refused: nothing unknown gets through.
 */
export function checkAddress(text: string, policy: AddressPolicy): AddressRefusal | undefined {
  const bare = text.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const address = parseIp(bare);
  if (!address) {
    const unknown: AddressRange = { ...NOT_GLOBAL_UNICAST, name: "not an IP address" };
    return { address: text, range: unknown, reason: `"${text}" is not an IP address.` };
  }
  const carried = embeddedIpv4(address);
  const candidates = carried ? [address, carried] : [address];
  if (
    candidates.some((candidate) => policy.allowed.some((cidr) => cidrContains(cidr, candidate)))
  ) {
    return undefined;
  }
  for (const candidate of candidates) {
    const refused = refusedRangeOf(candidate);
    if (!refused) continue;
    const shown = bare;
    const via =
      candidate === address ? "" : ` (it carries the IPv4 address ${formatIp(candidate)})`;
    return {
      address: shown,
      range: refused,
      reason:
        `${shown}${via} is in ${refused.text} (${refused.name}), which webhooks may not reach; ` +
        "the operator can open it with WEBHOOK_ALLOWED_CIDRS.",
    };
  }
  return undefined;
}
