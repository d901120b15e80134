import type { StoredPayload } from "@sqibs/api-client";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../lib/i18n";

/** JSON pretty-printed when it parses, else the text as it came; always text, never HTML. */
export function payloadText(payload: StoredPayload): { text: string; json: boolean } | undefined {
  if (payload.body === undefined) return undefined;
  try {
    return { text: JSON.stringify(JSON.parse(payload.body), null, 2), json: true };
  } catch {
    return { text: payload.body, json: false };
  }
}

export function PayloadView({ payload }: { payload: StoredPayload }) {
  const { t } = useTranslation();
  const shown = payloadText(payload);
  const bytes = Math.floor((payload.bodyBase64.length * 3) / 4);
  return (
    <div className="payload">
      <p className="hint">
        {t("payload.contentType")}: <code>{payload.contentType ?? t("payload.none")}</code>
        {shown ? ` · ${shown.json ? t("payload.json") : t("payload.text")}` : null}
      </p>
      {shown ? (
        <pre className="text-block" data-testid="raw-payload">
          {shown.text}
        </pre>
      ) : (
        <>
          <p>{t("payload.binary", { size: formatNumber(bytes) })}</p>
          <pre className="text-block">{payload.bodyBase64}</pre>
        </>
      )}
    </div>
  );
}
