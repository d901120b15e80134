import type { SupportedLanguage } from "./languages.js";
import ar from "./locales/ar/titles.json" with { type: "json" };
import bg from "./locales/bg/titles.json" with { type: "json" };
import bn from "./locales/bn/titles.json" with { type: "json" };
import cs from "./locales/cs/titles.json" with { type: "json" };
import da from "./locales/da/titles.json" with { type: "json" };
import de from "./locales/de/titles.json" with { type: "json" };
import el from "./locales/el/titles.json" with { type: "json" };
import en from "./locales/en/titles.json" with { type: "json" };
import es from "./locales/es/titles.json" with { type: "json" };
import fa from "./locales/fa/titles.json" with { type: "json" };
import fi from "./locales/fi/titles.json" with { type: "json" };
import fr from "./locales/fr/titles.json" with { type: "json" };
import he from "./locales/he/titles.json" with { type: "json" };
import hi from "./locales/hi/titles.json" with { type: "json" };
import hu from "./locales/hu/titles.json" with { type: "json" };
import id from "./locales/id/titles.json" with { type: "json" };
import it from "./locales/it/titles.json" with { type: "json" };
import ja from "./locales/ja/titles.json" with { type: "json" };
import ko from "./locales/ko/titles.json" with { type: "json" };
import ms from "./locales/ms/titles.json" with { type: "json" };
import nb from "./locales/nb/titles.json" with { type: "json" };
import nl from "./locales/nl/titles.json" with { type: "json" };
import pl from "./locales/pl/titles.json" with { type: "json" };
import pt from "./locales/pt/titles.json" with { type: "json" };
import ptBR from "./locales/pt-BR/titles.json" with { type: "json" };
import ro from "./locales/ro/titles.json" with { type: "json" };
import ru from "./locales/ru/titles.json" with { type: "json" };
import sk from "./locales/sk/titles.json" with { type: "json" };
import sv from "./locales/sv/titles.json" with { type: "json" };
import ta from "./locales/ta/titles.json" with { type: "json" };
import th from "./locales/th/titles.json" with { type: "json" };
import tr from "./locales/tr/titles.json" with { type: "json" };
import uk from "./locales/uk/titles.json" with { type: "json" };
import vi from "./locales/vi/titles.json" with { type: "json" };
import zhCN from "./locales/zh-CN/titles.json" with { type: "json" };
import zhTW from "./locales/zh-TW/titles.json" with { type: "json" };

/** The keys of the `titles` namespace. */
export type TitleKey =
  | "incidentFrom"
  | "incidentFromUnknown"
  | "requestFrom"
  | "requestFromUnknown";

export type TitleResources = Readonly<Record<TitleKey, string>>;

/** The bundled `titles` namespace of every supported language (static JSON imports, no I/O). */
export const TITLES: Readonly<Record<SupportedLanguage, TitleResources>> = {
  en,
  es,
  fr,
  de,
  it,
  pt,
  "pt-BR": ptBR,
  nl,
  sv,
  nb,
  da,
  fi,
  pl,
  cs,
  sk,
  hu,
  ro,
  bg,
  el,
  ru,
  uk,
  tr,
  ar,
  he,
  fa,
  hi,
  bn,
  ta,
  th,
  vi,
  id,
  ms,
  ja,
  ko,
  "zh-CN": zhCN,
  "zh-TW": zhTW,
};
