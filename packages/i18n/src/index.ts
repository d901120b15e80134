import { createInstance, type TFunction } from "i18next";
import { isolate, RIGHT_TO_LEFT_LANGUAGES, removeDirectionalFormatting } from "./direction.js";
import {
  FALLBACK_LANGUAGE,
  isSupportedLanguage,
  normalizeLanguage,
  SUPPORTED_LANGUAGES,
  type SupportedLanguage,
} from "./languages.js";
import { TITLES, type TitleKey } from "./resources.js";

export {
  POP_DIRECTIONAL_ISOLATE,
  RIGHT_TO_LEFT_LANGUAGES,
  removeDirectionalFormatting,
  unclosedIsolates,
} from "./direction.js";
export { languageTagPattern, SUPPORTED_PRIMARY_SUBTAGS } from "./languages.js";
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
  /** The name is isolated (FSI … PDI) so that its neutrals and digits keep their order. */
  rightToLeft: boolean;
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
        rightToLeft: RIGHT_TO_LEFT_LANGUAGES.has(lng),
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
 * unknown source. The `from` text is inserted verbatim (no escaping, no nested interpolation)
 * except that explicit directional formatting characters are removed, and in a right-to-left
 * language it is isolated (FSI … PDI).
 */
export function defaultTitle(language: string, kind: TitleKind, from: string | undefined): string {
  const translator = TRANSLATORS.get(normalizeLanguage(language)) as Translator;
  const name = from ? removeDirectionalFormatting(String(from)) : "";
  switch (kind) {
    case "incident":
      return name ? render(translator, "incidentFrom", name) : translator.incidentUnknown;
    case "request":
      return name ? render(translator, "requestFrom", name) : translator.requestUnknown;
    default:
      throw new TypeError(`@sqibs/i18n: unknown title kind ${JSON.stringify(kind)}`);
  }
}

function render(translator: Translator, key: "incidentFrom" | "requestFrom", name: string): string {
  const cache = translator[key];
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const from = translator.rightToLeft ? isolate(name) : name;
  // `nest: false`: never resolve `$t(...)` found in the result (the value is untrusted text).
  const title = translator.t(key, { from, nest: false });
  if (name.length <= CACHE_FROM_LENGTH) {
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    cache.set(name, title);
  }
  return title;
}
