import { deleteSessionMutation, getSessionQueryKey } from "@sqibs/api-client/react-query";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../App";
import { rememberCsrfToken } from "../lib/api";
import {
  CONSOLE_LANGUAGES,
  type ConsoleLanguage,
  nativeName,
  setConsoleLanguage,
} from "../lib/i18n";
import { Link } from "../lib/router";
import { Button } from "./ui/Button";

const NAV = [
  ["/incidents", "nav.incidents"],
  ["/requests", "nav.requests"],
  ["/services", "nav.services"],
  ["/teams", "nav.teams"],
  ["/tokens", "nav.tokens"],
  ["/webhooks", "nav.webhooks"],
  ["/api-logs", "nav.apiLogs"],
  ["/maintenance", "nav.maintenance"],
  ["/account", "nav.account"],
] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    ...deleteSessionMutation(),
    onSettled: () => {
      rememberCsrfToken(undefined);
      const sessionKey = getSessionQueryKey();
      const isSession = (key: unknown) => (key as { _id?: string })._id === sessionKey[0]._id;
      queryClient.removeQueries({ predicate: (query) => !isSession(query.queryKey[0]) });
      void queryClient.resetQueries({ queryKey: sessionKey });
    },
  });
  return (
    <>
      <a className="skip-link" href="#content">
        {t("nav.skip")}
      </a>
      <header className="top">
        <div className="brand">
          <span className="brand-name">{t("app.name")}</span>
          <span className="brand-account">{session.accountName}</span>
        </div>
        <nav aria-label={t("nav.label")}>
          <ul>
            {NAV.map(([to, key]) => (
              <li key={to}>
                <Link to={to}>{t(key)}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="top-actions">
          <label className="sr-only" htmlFor="console-language">
            {t("nav.language")}
          </label>
          <select
            id="console-language"
            value={i18n.language}
            onChange={(event) => void setConsoleLanguage(event.target.value as ConsoleLanguage)}
          >
            {CONSOLE_LANGUAGES.map((code) => (
              <option key={code} value={code} lang={code}>
                {nativeName(code)}
              </option>
            ))}
          </select>
          <Button onClick={() => signOut.mutate({})} disabled={signOut.isPending}>
            {t("nav.signOut")}
          </Button>
        </div>
      </header>
      <main id="content" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
