/** The supported languages (BCP 47), in a fixed order. English is the fallback. */
export const SUPPORTED_LANGUAGES = [
  "en",
  "es",
  "fr",
  "de",
  "it",
  "pt",
  "pt-BR",
  "nl",
  "sv",
  "nb",
  "da",
  "fi",
  "pl",
  "cs",
  "sk",
  "hu",
  "ro",
  "bg",
  "el",
  "ru",
  "uk",
  "tr",
  "ar",
  "he",
  "fa",
  "hi",
  "bn",
  "ta",
  "th",
  "vi",
  "id",
  "ms",
  "ja",
  "ko",
  "zh-CN",
  "zh-TW",
] as const;

export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

export const FALLBACK_LANGUAGE: SupportedLanguage = "en";

const EXACT = new Set<string>(SUPPORTED_LANGUAGES);

/** Primary language subtags (lower case) that map to one supported language whatever the region. */
const BY_PRIMARY: ReadonlyMap<string, SupportedLanguage> = new Map<string, SupportedLanguage>([
  ...SUPPORTED_LANGUAGES.filter((code) => !code.includes("-")).map(
    (code) => [code, code] as [string, SupportedLanguage],
  ),
  // Norwegian: macrolanguage and Nynorsk read Bokmål.
  ["no", "nb"],
  ["nn", "nb"],
  // Deprecated ISO 639 codes still sent by old Java/Android locales.
  ["iw", "he"],
  ["in", "id"],
]);

/** The primary subtags a supported tag may start with (lower case; any case is accepted). */
export const SUPPORTED_PRIMARY_SUBTAGS: readonly string[] = [...BY_PRIMARY.keys(), "zh"];

/**
 * The tags `matchLanguage` accepts as sent (untrimmed), as a regular expression: a supported
 * primary subtag in any case, then any subtags. The OpenAPI document's `LanguageTag` holds
 * this pattern (each letter spelled as a class: ECMAScript and Python read it alike).
 */
export function languageTagPattern(): string {
  const anyCase = (subtag: string) => [...subtag].map((c) => `[${c}${c.toUpperCase()}]`).join("");
  return `^(?:${SUPPORTED_PRIMARY_SUBTAGS.map(anyCase).join("|")})(?:[-_][A-Za-z0-9]{1,8})*$`;
}

/** Regions whose Chinese is written in Traditional characters. */
const TRADITIONAL_REGIONS = new Set(["tw", "hk", "mo"]);

/** language[-extlang]*[-script][-region][-variant|-extension|-privateuse]*; "_" accepted as "-". */
const WELL_FORMED = /^[a-z]{2,3}(?:[-_][a-z0-9]{1,8})*$/i;

const MAX_TAG_LENGTH = 128;

/**
 * The supported language a tag really matches, or undefined when it matches none (unknown,
 * empty or malformed).
 */
export function matchLanguage(tag: string | undefined | null): SupportedLanguage | undefined {
  if (typeof tag !== "string") return undefined;
  if (EXACT.has(tag)) return tag as SupportedLanguage;
  const trimmed = tag.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TAG_LENGTH || !WELL_FORMED.test(trimmed)) {
    return undefined;
  }
  const subtags = trimmed.toLowerCase().split(/[-_]/);
  const primary = subtags[0] as string;
  if (primary === "zh") return chinese(subtags);
  if (primary === "pt") return region(subtags) === "br" ? "pt-BR" : "pt";
  return BY_PRIMARY.get(primary);
}

/** Maps any BCP 47 tag to a supported language; unknown, empty or malformed tags give "en". */
export function normalizeLanguage(tag: string | undefined | null): SupportedLanguage {
  return matchLanguage(tag) ?? FALLBACK_LANGUAGE;
}

/** True when the tag matches a supported language (not merely the English fallback). */
export function isSupportedLanguage(tag: string): boolean {
  return matchLanguage(tag) !== undefined;
}

function chinese(subtags: readonly string[]): SupportedLanguage {
  const script = scriptOf(subtags);
  if (script === "hant") return "zh-TW";
  if (script === "hans") return "zh-CN";
  const reg = region(subtags);
  return reg !== undefined && TRADITIONAL_REGIONS.has(reg) ? "zh-TW" : "zh-CN";
}

/** Index of the first subtag after the primary language and any extlangs (3 letters). */
function afterLanguage(subtags: readonly string[]): number {
  let i = 1;
  while (i < subtags.length && i <= 3 && /^[a-z]{3}$/.test(subtags[i] as string)) i++;
  return i;
}

function scriptOf(subtags: readonly string[]): string | undefined {
  const candidate = subtags[afterLanguage(subtags)];
  return candidate !== undefined && /^[a-z]{4}$/.test(candidate) ? candidate : undefined;
}

function region(subtags: readonly string[]): string | undefined {
  let i = afterLanguage(subtags);
  if (scriptOf(subtags) !== undefined) i++;
  const candidate = subtags[i];
  return candidate !== undefined && /^(?:[a-z]{2}|[0-9]{3})$/.test(candidate)
    ? candidate
    : undefined;
}
