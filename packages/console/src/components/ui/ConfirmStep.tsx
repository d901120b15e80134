import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "./Button";

/**
 * The second step of an action that asks first: what the step needs (a field, a hint) and the
 * button that confirms it, then Cancel. With onSubmit it is a form, which its button submits.
 */
export function ConfirmStep({
  onCancel,
  onSubmit,
  children,
}: {
  onCancel: () => void;
  onSubmit?: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const cancel = (
    <Button className="btn-small" onClick={onCancel}>
      {t("common.cancel")}
    </Button>
  );
  if (!onSubmit) {
    return (
      <div className="confirm">
        {children}
        {cancel}
      </div>
    );
  }
  return (
    <form
      className="confirm"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      {children}
      {cancel}
    </form>
  );
}
