import type { Webhook, WebhookEventType } from "@sqibs/api-client";
import { useTranslation } from "react-i18next";
import { CheckboxField, SelectField } from "../../components/ui/Field";
import { GLOBAL_ONLY_EVENTS, WEBHOOK_EVENTS, WEBHOOK_FORMATS } from "./choices";

/** The body's format: the JSON envelope, or a Slack message. */
export function FormatField({
  value,
  onChange,
}: {
  value: Webhook["format"];
  onChange: (format: Webhook["format"]) => void;
}) {
  const { t } = useTranslation();
  return (
    <SelectField
      label={t("webhooks.format.label")}
      value={value}
      onChange={(event) => onChange(event.target.value as Webhook["format"])}
    >
      {WEBHOOK_FORMATS.map((format) => (
        <option key={format} value={format}>
          {t(`webhooks.format.${format}`)}
        </option>
      ))}
    </SelectField>
  );
}

/** The events a webhook subscribes to, one checkbox each (request.created for global ones only). */
export function EventChoices({
  value,
  global,
  onChange,
}: {
  value: WebhookEventType[];
  global: boolean;
  onChange: (events: WebhookEventType[]) => void;
}) {
  const { t } = useTranslation();
  const toggle = (event: WebhookEventType, on: boolean) =>
    onChange(WEBHOOK_EVENTS.filter((type) => (type === event ? on : value.includes(type))));
  return (
    <fieldset>
      <legend>{t("webhooks.events")}</legend>
      {WEBHOOK_EVENTS.map((type) => {
        const offered = global || !GLOBAL_ONLY_EVENTS.has(type);
        return (
          <CheckboxField
            key={type}
            label={
              <>
                {t(`webhooks.eventTypes.${type}`)} <code className="url">{type}</code>
              </>
            }
            hint={offered ? undefined : t("webhooks.globalOnly")}
            checked={offered && value.includes(type)}
            disabled={!offered}
            onChange={(event) => toggle(type, event.target.checked)}
          />
        );
      })}
      {offeredEvents(value, global).length === 0 ? (
        <p className="field-error" role="alert">
          {t("webhooks.noEvents")}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The events as sent: the offered ones of those checked. */
export function offeredEvents(events: WebhookEventType[], global: boolean): WebhookEventType[] {
  return events.filter((type) => global || !GLOBAL_ONLY_EVENTS.has(type));
}
