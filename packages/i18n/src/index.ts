import { createInstance, type TFunction } from "i18next";
import {
  FALLBACK_LANGUAGE,
  isSupportedLanguage,
  normalizeLanguage,
  SUPPORTED_LANGUAGES,
  type SupportedLanguage,
} from "./languages.js";
import { TITLES, type TitleKey } from "./resources.js";

export { isSupportedLanguage, normalizeLanguage, SUPPORTED_LANGUAGES, type SupportedLanguage };

export type TitleKind = "incident" | "request";

const NAMESPACE = "titles";

const i18n = createInstance();
// Resources are bundled and `initAsync: false`, so init completes synchronously.
void i18n.init({
  resources: Object.fromEntries(
    SUPPORTED_LANGUAGES.map((lng) => [lng, { [NAMESPACE]: TITLES[lng] }]),
  ),
  lng: FALLBACK_LANGUAGE,
  fallbackLng: FALLBACK_LANGUAGE,
  supportedLngs: SUPPORTED_LANGUAGES,
  ns: [NAMESPACE],
  defaultNS: NAMESPACE,
  initAsync: false,
  returnNull: false,
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false, skipOnVariables: true },
});
if (!i18n.isInitialized) throw new Error("@sqibs/i18n: i18next did not initialize synchronously");

interface Translator {
  t: TFunction;
  incidentUnknown: string;
  requestUnknown: string;
  /** Rendered titles by source: senders are a small set of tool names, so this nearly always hits. */
  incidentFrom: Map<string, string>;
  requestFrom: Map<string, string>;
}

/** Bounds of the per-language, per-kind cache of rendered titles (entries and source length). */
const CACHE_ENTRIES = 256;
const CACHE_FROM_LENGTH = 256;

/** One fixed translator per language, built once; the unknown-source titles are precomputed. */
const TRANSLATORS = new Map<SupportedLanguage, Translator>(
  SUPPORTED_LANGUAGES.map((lng) => {
    const t = i18n.getFixedT(lng, NAMESPACE);
    const unknown = (key: TitleKey): string => t(key);
    return [
      lng,
      {
        t,
        incidentUnknown: unknown("incidentFromUnknown"),
        requestUnknown: unknown("requestFromUnknown"),
        incidentFrom: new Map(),
        requestFrom: new Map(),
      },
    ];
  }),
);

/**
 * The default title: kind "incident"/"request", `from` already trimmed; undefined or "" means
 * unknown source. The `from` text is inserted verbatim (no escaping, no nested interpolation).
 */
export function defaultTitle(language: string, kind: TitleKind, from: string | undefined): string {
  const translator = TRANSLATORS.get(normalizeLanguage(language)) as Translator;
  const known = from !== undefined && from !== null && from !== "";
  switch (kind) {
    case "incident":
      return known ? render(translator, "incidentFrom", from) : translator.incidentUnknown;
    case "request":
      return known ? render(translator, "requestFrom", from) : translator.requestUnknown;
    default:
      throw new TypeError(`@sqibs/i18n: unknown title kind ${JSON.stringify(kind)}`);
  }
}

function render(translator: Translator, key: "incidentFrom" | "requestFrom", from: string): string {
  const cache = translator[key];
  const cached = cache.get(from);
  if (cached !== undefined) return cached;
  // `nest: false`: never resolve `$t(...)` found in the result (the value is untrusted text).
  const title = translator.t(key, { from: String(from), nest: false });
  if (from.length <= CACHE_FROM_LENGTH) {
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(from, title);
  }
  return title;
}
