import type { SupportedLanguage } from "./languages.js";

/** The supported languages written right to left (a test checks this against `Intl.Locale`). */
export const RIGHT_TO_LEFT_LANGUAGES: ReadonlySet<SupportedLanguage> = new Set<SupportedLanguage>([
  "ar",
  "he",
  "fa",
]);

export const FIRST_STRONG_ISOLATE = "\u2068";
export const POP_DIRECTIONAL_ISOLATE = "\u2069";

/**
 * UAX #9's explicit directional formatting characters: the embeddings and overrides
 * LRE, RLE, PDF, LRO, RLO (U+202A–U+202E) and the isolates LRI, RLI, FSI, PDI (U+2066–U+2069).
 * Each opens or closes a scope, so one sent in a name can reorder or swallow the text around it.
 * The implicit marks LRM, RLM and ALM (U+200E, U+200F, U+061C) are not among them: they open no
 * scope, act only on their neighbours inside an isolate, and are how a sender fixes the display
 * of its own mixed-direction name (`שרת C++‎`).
 */
const EXPLICIT_DIRECTIONAL_FORMATTING = /[\u202A-\u202E\u2066-\u2069]/g;
const ISOLATE_INITIATORS = new Set(["\u2066", "\u2067", FIRST_STRONG_ISOLATE]);

/** The text without explicit directional formatting characters (see above). */
export function removeDirectionalFormatting(text: string): string {
  return text.replace(EXPLICIT_DIRECTIONAL_FORMATTING, "");
}

/** Wrapped in FSI … PDI: laid out in its own first strong direction, a neutral to its surroundings. */
export function isolate(text: string): string {
  return `${FIRST_STRONG_ISOLATE}${text}${POP_DIRECTIONAL_ISOLATE}`;
}

/** How many isolates (LRI, RLI, FSI) are still open at the end of the text (UAX #9 BD9 matching). */
export function unclosedIsolates(text: string): number {
  let open = 0;
  for (const character of text) {
    if (ISOLATE_INITIATORS.has(character)) open++;
    else if (character === POP_DIRECTIONAL_ISOLATE && open > 0) open--;
  }
  return open;
}
