/** A request body as the intake rules see it: its text, and its JSON when it is an object or array. */
export interface Payload {
  text: string;
  /** The parsed object or array; undefined when the payload is not JSON. */
  json: unknown;
  isJson: boolean;
}

const TEXT_MEDIA_TYPE =
  /^(?:text\/[^/]+|application\/(?:json|xml|x-www-form-urlencoded|[^/]+\+(?:json|xml)))$/;
type Decoder = InstanceType<typeof TextDecoder>;

const QUOTED = /^"(.*)"$/;
const decoders = new Map<string, Decoder>();
const utf8 = new TextDecoder("utf-8");

/** Decodes a body when its content type is a text type; any other type is an empty payload. */
export function readPayload(body: Uint8Array, contentType: string | undefined): Payload {
  const text = payloadText(body, contentType);
  const json = parseJsonContainer(text);
  return { text, json, isJson: json !== undefined };
}

/**
 * A payload's text as readPayload reads it, without parsing it: a text type decoded by its
 * charset, any other type empty. (A description that is the whole payload is stored as the
 * payload alone and read back with this.)
 */
export function payloadText(body: Uint8Array, contentType: string | null | undefined): string {
  const [mediaType = "", ...parameters] = (contentType ?? "").split(";");
  const type = mediaType.trim().toLowerCase();
  if (type !== "" && !TEXT_MEDIA_TYPE.test(type)) return "";
  return decoderFor(charsetOf(parameters)).decode(body);
}

/** A payload built from text that is already decoded (e.g. tests, or a stored raw body). */
export function textPayload(text: string): Payload {
  const json = parseJsonContainer(text);
  return { text, json, isJson: json !== undefined };
}

function charsetOf(parameters: string[]): string | undefined {
  for (const parameter of parameters) {
    const eq = parameter.indexOf("=");
    if (eq < 0 || parameter.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    return parameter
      .slice(eq + 1)
      .trim()
      .replace(QUOTED, "$1")
      .toLowerCase();
  }
  return undefined;
}

/** A non-fatal decoder (invalid bytes become U+FFFD, BOM stripped); unknown charsets read as UTF-8. */
function decoderFor(charset: string | undefined): Decoder {
  if (charset === undefined || charset === "utf-8" || charset === "utf8") return utf8;
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      return utf8; // not a label TextDecoder knows; not cached, so the map stays bounded
    }
    decoders.set(charset, decoder);
  }
  return decoder;
}

/**
 * Deeper JSON is read as text: the rules render values with JSON.stringify, which recurses
 * and throws RangeError (call stack) at a few thousand levels; no webhook nests this deep.
 */
export const MAX_JSON_DEPTH = 512;

/** The parsed JSON when the text is a JSON object or array; scalars and malformed JSON are text. */
function parseJsonContainer(text: string): object | undefined {
  const first = text.charCodeAt(firstNonJsonSpace(text));
  if (first !== 0x7b && first !== 0x5b) return undefined; // "{" or "["
  let value: unknown;
  try {
    // JSON.parse does not recurse (V8 parses iteratively): any depth parses.
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  return nestsDeeperThan(value, MAX_JSON_DEPTH) ? undefined : value;
}

function firstNonJsonSpace(text: string): number {
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
  }
  return i;
}

/**
 * Whether objects and arrays nest more than `levels` deep (the value itself is the first
 * level). Walks the parsed containers, not the text: a megabyte of JSON holds a few thousand
 * of them, and a walk of those is some fifty times cheaper than a scan of every character.
 * Recurses at most `levels` + 1 frames.
 */
function nestsDeeperThan(value: object, levels: number): boolean {
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "object" && item !== null && nestsDeeperThan(item, levels - 1)) {
        return true;
      }
    }
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === "object" && item !== null && nestsDeeperThan(item, levels - 1)) {
      return true;
    }
  }
  return false;
}
