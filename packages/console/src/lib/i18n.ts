import i18next, { type Resource } from "i18next";
import { initReactI18next } from "react-i18next";
import en from "../locales/en.json";

/** The console's own languages; every other one reads English. */
export const CONSOLE_LANGUAGES = ["en", "de", "fr", "es", "pt-BR", "ja", "zh-CN", "ar"] as const;
export type ConsoleLanguage = (typeof CONSOLE_LANGUAGES)[number];

const RIGHT_TO_LEFT = new Set(["ar", "he", "fa"]);
const STORAGE_KEY = "sqibs.consoleLanguage";

/** English is bundled; the others are fetched when chosen (not part of the first load). */
const loaders: Record<
  Exclude<ConsoleLanguage, "en">,
  () => Promise<{ default: Resource[string] }>
> = {
  de: () => import("../locales/de.json"),
  fr: () => import("../locales/fr.json"),
  es: () => import("../locales/es.json"),
  "pt-BR": () => import("../locales/pt-BR.json"),
  ja: () => import("../locales/ja.json"),
  "zh-CN": () => import("../locales/zh-CN.json"),
  ar: () => import("../locales/ar.json"),
};

/** The shipped language that best serves a BCP 47 tag, if any ("pt-PT" → "pt-BR", "zh" → "zh-CN"). */
export function consoleLanguageFor(tag: string): ConsoleLanguage | undefined {
  const exact = CONSOLE_LANGUAGES.find((code) => code.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  const primary = tag.split("-")[0]?.toLowerCase();
  return CONSOLE_LANGUAGES.find((code) => code.split("-")[0]?.toLowerCase() === primary);
}

function initialLanguage(): ConsoleLanguage {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  for (const tag of [stored ?? "", ...navigator.languages]) {
    const found = tag ? consoleLanguageFor(tag) : undefined;
    if (found) return found;
  }
  return "en";
}

export async function setConsoleLanguage(language: ConsoleLanguage): Promise<void> {
  if (language !== "en" && !i18next.hasResourceBundle(language, "translation")) {
    const { default: resources } = await loaders[language]();
    i18next.addResourceBundle(language, "translation", resources);
  }
  await i18next.changeLanguage(language);
  window.localStorage.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
  document.documentElement.dir = RIGHT_TO_LEFT.has(language) ? "rtl" : "ltr";
}

export async function initI18n(): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en } },
    lng: "en",
    fallbackLng: "en",
    supportedLngs: [...CONSOLE_LANGUAGES],
    // React escapes what it renders; i18next must not escape a second time.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  await setConsoleLanguage(initialLanguage());
}

/** Dates and numbers in the console's language, through Intl. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(i18next.language, {
    dateStyle: "medium",
    timeStyle: "medium",
  }).format(new Date(iso));
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(i18next.language).format(value);
}

/** A language's name in that language itself ("Deutsch", "日本語"). */
export function nativeName(tag: string): string {
  const name = new Intl.DisplayNames([tag], { type: "language" }).of(tag) ?? tag;
  return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
}
