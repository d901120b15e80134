import {
  defaultTitle,
  POP_DIRECTIONAL_ISOLATE,
  removeDirectionalFormatting,
  unclosedIsolates,
} from "@sqibs/i18n";
import { readKey } from "./keys.js";
import type { Payload } from "./payload.js";

export const MAX_TITLE_LENGTH = 1024;

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * At most MAX_TITLE_LENGTH code points, never splitting a surrogate pair and, when possible,
 * not splitting a grapheme cluster (emoji with modifiers, flags, combining marks). A cut never
 * leaves an isolate open (the isolated name of a right-to-left title would otherwise swallow
 * whatever text a display puts after the title): it moves back to make room for the closing PDIs.
 */
export function truncateTitle(title: string): string {
  if (title.length <= MAX_TITLE_LENGTH || codePointCut(title, MAX_TITLE_LENGTH) === undefined) {
    return title;
  }
  let closing = 0;
  for (;;) {
    const cut = cutTo(title, MAX_TITLE_LENGTH - closing);
    const open = unclosedIsolates(cut);
    if (open <= closing) return cut + POP_DIRECTIONAL_ISOLATE.repeat(open);
    closing = open;
  }
}

/**
 * The `from` every use sees (titles, the stored source, the retry key, the API call log):
 * without explicit directional formatting characters (U+202A–U+202E, U+2066–U+2069, which
 * could reorder the text around it), then trimmed; empty means absent.
 */
export function normalizeFrom(from: string | undefined | null): string | undefined {
  const cleaned = from ? removeDirectionalFormatting(from).trim() : "";
  return cleaned ? cleaned : undefined;
}

export interface IncidentTextInput {
  payload: Payload;
  from?: string | undefined;
  titleKey?: string | undefined;
  descriptionKey?: string | undefined;
  language: string;
}

/** The seed's rules: see docs/product.md §3. */
export function incidentText(input: IncidentTextInput): { title: string; description: string } {
  const from = normalizeFrom(input.from);
  const json = input.payload.isJson ? input.payload.json : undefined;
  const value = readKey(json, input.titleKey);
  const title =
    value === undefined
      ? defaultTitle(input.language, "incident", from)
      : from === undefined
        ? value
        : `${from} - ${value}`;
  const description = readKey(json, input.descriptionKey) ?? input.payload.text;
  return { title: truncateTitle(title), description };
}

/** docs/product.md §4: a localized default title, the whole payload text, and a JSON `workflowId`. */
export function requestText(input: {
  payload: Payload;
  from?: string | undefined;
  language: string;
}): {
  title: string;
  description: string;
  workflowId?: string;
} {
  const title = truncateTitle(defaultTitle(input.language, "request", normalizeFrom(input.from)));
  const workflowId = input.payload.isJson ? readKey(input.payload.json, "workflowId") : undefined;
  const text = { title, description: input.payload.text };
  return workflowId === undefined ? text : { ...text, workflowId };
}

/** At most `max` code points of a title that has more, cut before a grapheme cluster it would split. */
function cutTo(title: string, max: number): string {
  return title.slice(0, graphemeStart(title, codePointCut(title, max) as number));
}

/** The UTF-16 index after `max` code points, or undefined when the text has no more than that. */
function codePointCut(text: string, max: number): number | undefined {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (count === max) return i;
    if (isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    count++;
  }
  return undefined;
}

/** Moves `cut` back to the start of the grapheme cluster it would split (unless that is the start). */
function graphemeStart(text: string, cut: number): number {
  // Two more code units decide whether `cut` is a boundary; the text before it gives the context.
  const around = graphemes.segment(text.slice(0, cut + 2)).containing(cut - 1);
  if (around === undefined || around.index === 0) return cut;
  return around.index + around.segment.length > cut ? around.index : cut;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
