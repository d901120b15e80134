import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "./ui/Button";
import { CopyButton } from "./ui/CopyButton";

/** A secret the service shows this once (a token's, a webhook's signing secret), with copy. */
export function SecretCard({
  title,
  note,
  secret,
  what,
  onDone,
}: {
  title: string;
  note: ReactNode;
  secret: string;
  /** What the copy button copies, for its accessible name. */
  what: string;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  return (
    <section className="card card-secret" aria-labelledby="issued-secret">
      <h2 id="issued-secret">{title}</h2>
      <p>{note}</p>
      <div className="endpoint-line">
        <code className="secret">{secret}</code>
        <CopyButton text={secret} what={what} />
      </div>
      <Button onClick={onDone}>{t("common.secretDone")}</Button>
    </section>
  );
}
