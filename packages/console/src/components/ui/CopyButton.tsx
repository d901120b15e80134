import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "./Button";

/** Copies a text; its accessible name says what ("Copy curl command for …"). */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    window.setTimeout(() => setState("idle"), 2_000);
  };
  return (
    <Button onClick={copy} aria-label={t("common.copyWhat", { what })} className="btn-small">
      {state === "copied"
        ? t("common.copied")
        : state === "failed"
          ? t("common.copyFailed")
          : t("common.copy")}
    </Button>
  );
}
