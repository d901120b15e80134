import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/Button";
import { TextField } from "../../components/ui/Field";
import { LIMITS } from "../../lib/limits";
import type { ConditionDraft } from "./filter-draft";

/** A payload key and up to 10 "contains" values of up to 50 characters (all must match). */
export function ConditionEditor({
  label,
  condition,
  onChange,
}: {
  label: string;
  condition: ConditionDraft;
  onChange: (condition: ConditionDraft) => void;
}) {
  const { t } = useTranslation();
  const setValue = (index: number, value: string) =>
    onChange({
      ...condition,
      contains: condition.contains.map((old, at) => (at === index ? value : old)),
    });
  return (
    <fieldset className="condition">
      <legend>{label}</legend>
      <TextField
        label={t("filter.conditionKey")}
        hint={t("filter.keyHint")}
        maxLength={LIMITS.keyLength}
        value={condition.key}
        onChange={(event) => onChange({ ...condition, key: event.target.value })}
      />
      <div className="contains">
        {condition.contains.map((value, index) => (
          <div className="contains-value" key={index}>
            <TextField
              label={t("filter.containsValue", { number: index + 1 })}
              maxLength={LIMITS.containsLength}
              value={value}
              onChange={(event) => setValue(index, event.target.value)}
            />
            <Button
              className="btn-small"
              variant="ghost"
              aria-label={t("filter.removeValue", { number: index + 1 })}
              disabled={condition.contains.length === 1}
              onClick={() =>
                onChange({
                  ...condition,
                  contains: condition.contains.filter((_, at) => at !== index),
                })
              }
            >
              ×
            </Button>
          </div>
        ))}
        <Button
          className="btn-small"
          disabled={condition.contains.length >= LIMITS.containsValues}
          onClick={() => onChange({ ...condition, contains: [...condition.contains, ""] })}
        >
          {t("filter.addValue", { count: condition.contains.length, max: LIMITS.containsValues })}
        </Button>
      </div>
    </fieldset>
  );
}
