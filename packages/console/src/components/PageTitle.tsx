import { type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { hasNavigated } from "../lib/router";

/**
 * The page's one h1; it names the document, and takes the focus when the user moves to its
 * page in place (as a page load would put the user at the top; on the first load the skip
 * link stays first).
 */
export function PageTitle({ children, text }: { children?: ReactNode; text: string }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${text} · ${t("app.name")}`;
  }, [text, t]);
  useEffect(() => {
    if (hasNavigated()) heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children ?? text}
    </h1>
  );
}
