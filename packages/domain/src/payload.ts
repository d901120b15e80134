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
  const start = firstNonJsonSpace(text);
  const first = text.charCodeAt(start);
  if (first !== 0x7b && first !== 0x5b) return undefined; // "{" or "["
  if (deeperThan(text, start, MAX_JSON_DEPTH)) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function firstNonJsonSpace(text: string): number {
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
  }
  return i;
}

/** Whether brackets outside strings nest deeper than `max` (one pass, no parsing). */
function deeperThan(text: string, from: number, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
