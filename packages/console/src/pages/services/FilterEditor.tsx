import type { Urgency } from "@sqibs/api-client";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/Button";
import { CheckboxField, SelectField, TextField } from "../../components/ui/Field";
import { LIMITS } from "../../lib/limits";
import { ConditionEditor } from "./ConditionEditor";
import {
  type FilterDraft,
  moved,
  newCondition,
  newTrigger,
  type TriggerDraft,
} from "./filter-draft";

/** The API filter as a form, within the spec's limits; nothing is saved until asked. */
export function FilterEditor({
  draft,
  onChange,
}: {
  draft: FilterDraft;
  onChange: (draft: FilterDraft) => void;
}) {
  const { t } = useTranslation();
  const setTrigger = (index: number, trigger: TriggerDraft) =>
    onChange({
      ...draft,
      triggers: draft.triggers.map((old, at) => (at === index ? trigger : old)),
    });
  return (
    <div className="filter-editor">
      <fieldset>
        <legend>{t("filter.serviceKeys")}</legend>
        <div className="form-row">
          <TextField
            label={t("filter.titleKey")}
            hint={t("filter.titleKeyHint")}
            maxLength={LIMITS.keyLength}
            value={draft.titleKey}
            onChange={(event) => onChange({ ...draft, titleKey: event.target.value })}
          />
          <TextField
            label={t("filter.descriptionKey")}
            hint={t("filter.descriptionKeyHint")}
            maxLength={LIMITS.keyLength}
            value={draft.descriptionKey}
            onChange={(event) => onChange({ ...draft, descriptionKey: event.target.value })}
          />
        </div>
      </fieldset>
      <h3>{t("filter.triggers", { count: draft.triggers.length, max: LIMITS.triggers })}</h3>
      {draft.triggers.length === 0 ? <p className="hint">{t("filter.noTriggers")}</p> : null}
      <ol className="triggers">
        {draft.triggers.map((trigger, index) => (
          <li key={trigger.uid}>
            <TriggerEditor
              number={index + 1}
              trigger={trigger}
              onChange={(changed) => setTrigger(index, changed)}
            />
            <div className="actions">
              <Button
                className="btn-small"
                aria-label={t("filter.moveUp", { number: index + 1 })}
                disabled={index === 0}
                onClick={() => onChange({ ...draft, triggers: moved(draft.triggers, index, -1) })}
              >
                ↑
              </Button>
              <Button
                className="btn-small"
                aria-label={t("filter.moveDown", { number: index + 1 })}
                disabled={index === draft.triggers.length - 1}
                onClick={() => onChange({ ...draft, triggers: moved(draft.triggers, index, 1) })}
              >
                ↓
              </Button>
              <Button
                className="btn-small"
                variant="danger"
                onClick={() =>
                  onChange({ ...draft, triggers: draft.triggers.filter((_, at) => at !== index) })
                }
              >
                {t("filter.removeTrigger", { number: index + 1 })}
              </Button>
            </div>
          </li>
        ))}
      </ol>
      <Button
        disabled={draft.triggers.length >= LIMITS.triggers}
        onClick={() => onChange({ ...draft, triggers: [...draft.triggers, newTrigger()] })}
      >
        {t("filter.addTrigger")}
      </Button>
      <fieldset>
        <legend>{t("filter.resolve")}</legend>
        <CheckboxField
          label={t("filter.resolveEnabled")}
          checked={draft.resolveEnabled}
          onChange={(event) => onChange({ ...draft, resolveEnabled: event.target.checked })}
        />
        {draft.resolveEnabled ? (
          <>
            <ConditionEditor
              label={t("filter.resolveCondition")}
              condition={draft.resolve.condition}
              onChange={(condition) =>
                onChange({ ...draft, resolve: { ...draft.resolve, condition } })
              }
            />
            <TextField
              label={t("filter.correlationKey")}
              hint={t("filter.correlationKeyHint")}
              maxLength={LIMITS.keyLength}
              value={draft.resolve.correlationKey}
              onChange={(event) =>
                onChange({
                  ...draft,
                  resolve: { ...draft.resolve, correlationKey: event.target.value },
                })
              }
            />
          </>
        ) : null}
      </fieldset>
      <TextField
        label={t("filter.duplicateWindow")}
        hint={t("filter.duplicateWindowHint")}
        type="number"
        min={0}
        max={LIMITS.duplicateWindowMax}
        value={draft.duplicateWindowSeconds}
        onChange={(event) => onChange({ ...draft, duplicateWindowSeconds: event.target.value })}
      />
    </div>
  );
}

function TriggerEditor({
  number,
  trigger,
  onChange,
}: {
  number: number;
  trigger: TriggerDraft;
  onChange: (trigger: TriggerDraft) => void;
}) {
  const { t } = useTranslation();
  const text = (
    field: "titleKey" | "descriptionKey" | "correlationKey" | "autoResolveAfterSeconds",
  ) =>
    ({
      value: trigger[field],
      onChange: (event: { target: { value: string } }) =>
        onChange({ ...trigger, [field]: event.target.value }),
    }) as const;
  return (
    <fieldset className="trigger">
      <legend>{t("filter.trigger", { number })}</legend>
      <SelectField
        label={t("filter.urgency")}
        value={trigger.urgency}
        onChange={(event) => onChange({ ...trigger, urgency: event.target.value as Urgency })}
      >
        <option value="high">{t("urgency.high")}</option>
        <option value="low">{t("urgency.low")}</option>
      </SelectField>
      {trigger.conditions.map((condition, index) => (
        <div key={index}>
          <ConditionEditor
            label={t("filter.condition", { number: index + 1 })}
            condition={condition}
            onChange={(changed) =>
              onChange({
                ...trigger,
                conditions: trigger.conditions.map((old, at) => (at === index ? changed : old)),
              })
            }
          />
          <Button
            className="btn-small"
            variant="danger"
            onClick={() =>
              onChange({
                ...trigger,
                conditions: trigger.conditions.filter((_, at) => at !== index),
              })
            }
          >
            {t("filter.removeCondition", { number: index + 1 })}
          </Button>
        </div>
      ))}
      <Button
        className="btn-small"
        disabled={trigger.conditions.length >= LIMITS.conditions}
        onClick={() =>
          onChange({ ...trigger, conditions: [...trigger.conditions, newCondition()] })
        }
      >
        {t("filter.addCondition", { count: trigger.conditions.length, max: LIMITS.conditions })}
      </Button>
      <div className="form-row">
        <TextField
          label={t("filter.titleKey")}
          maxLength={LIMITS.keyLength}
          {...text("titleKey")}
        />
        <TextField
          label={t("filter.descriptionKey")}
          maxLength={LIMITS.keyLength}
          {...text("descriptionKey")}
        />
        <TextField
          label={t("filter.correlationKey")}
          hint={t("filter.correlationKeyHint")}
          maxLength={LIMITS.keyLength}
          {...text("correlationKey")}
        />
        <TextField
          label={t("filter.autoResolve")}
          hint={t("filter.autoResolveHint")}
          type="number"
          min={LIMITS.autoResolveMin}
          max={LIMITS.autoResolveMax}
          {...text("autoResolveAfterSeconds")}
        />
      </div>
    </fieldset>
  );
}
