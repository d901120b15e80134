import type { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from "@sqibs/api-client";
import {
  listWebhookDeliveriesInfiniteOptions,
  redeliverWebhookDeliveryMutation,
} from "@sqibs/api-client/react-query";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button } from "../../components/ui/Button";
import { Badge, ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { SelectField } from "../../components/ui/Field";
import { formatDate, formatNumber } from "../../lib/i18n";
import { CURSOR_PAGING, itemsOf, MoreButton } from "../../lib/paging";
import { DELIVERY_STATUS_TONE, DELIVERY_STATUSES } from "./choices";
import { refreshWebhook } from "./queries";

/** Pending deliveries move on their own (the dispatcher): the log asks again this often. */
const POLL_MS = 3_000;

/** Each event sent (or to be sent) to the webhook, every attempt, and redeliver. */
export function DeliveryLog({ webhookId }: { webhookId: string }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<WebhookDeliveryStatus | "">("");
  const deliveries = useInfiniteQuery({
    ...listWebhookDeliveriesInfiniteOptions({
      path: { webhookId },
      query: status ? { status } : {},
    }),
    ...CURSOR_PAGING,
    refetchInterval: POLL_MS,
  });
  const items = itemsOf(deliveries.data);
  return (
    <Section id="webhook-deliveries" title={t("deliveries.title")}>
      <p className="hint">{t("deliveries.intro")}</p>
      <div className="form-row filters">
        <SelectField
          label={t("deliveries.status")}
          value={status}
          onChange={(event) => setStatus(event.target.value as WebhookDeliveryStatus | "")}
        >
          <option value="">{t("common.all")}</option>
          {DELIVERY_STATUSES.map((value) => (
            <option key={value} value={value}>
              {t(`deliveries.statuses.${value}`)}
            </option>
          ))}
        </SelectField>
      </div>
      {deliveries.isPending ? <Loading /> : null}
      <ErrorMessage error={deliveries.error} />
      <div className="table-wrap">
        <table aria-label={t("deliveries.title")}>
          <thead>
            <tr>
              <th scope="col">{t("deliveries.event")}</th>
              <th scope="col">{t("deliveries.status")}</th>
              <th scope="col">{t("deliveries.created")}</th>
              <th scope="col">{t("deliveries.attempts")}</th>
              <th scope="col">{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <DeliveryRow key={delivery.id} delivery={delivery} />
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && deliveries.isSuccess ? <p>{t("deliveries.empty")}</p> : null}
      <MoreButton query={deliveries} />
    </Section>
  );
}

function DeliveryRow({ delivery }: { delivery: WebhookDelivery }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const redeliver = useMutation({
    ...redeliverWebhookDeliveryMutation(),
    onSuccess: () => refreshWebhook(queryClient, delivery.webhookId),
  });
  const event = t(`webhooks.eventTypes.${delivery.eventType}`);
  return (
    <tr>
      <th scope="row">
        {event}
        <br />
        <code className="url actor">{delivery.eventId}</code>
      </th>
      <td>
        <Badge tone={DELIVERY_STATUS_TONE[delivery.status]}>
          {t(`deliveries.statuses.${delivery.status}`)}
        </Badge>
        {delivery.status === "pending" && delivery.nextAttemptAt ? (
          <p className="hint">{t("deliveries.next", { at: formatDate(delivery.nextAttemptAt) })}</p>
        ) : null}
      </td>
      <td>{formatDate(delivery.createdAt)}</td>
      <td>
        {delivery.attempts.length === 0 ? (
          <span className="hint">{t("deliveries.noAttempts")}</span>
        ) : (
          <ol className="attempts">
            {delivery.attempts.map((attempt, index) => (
              <li key={index}>
                <AttemptSummary attempt={attempt} />
                {attempt.response ? (
                  <details>
                    <summary>{t("deliveries.response")}</summary>
                    <pre className="text-block" data-testid="attempt-response">
                      {attempt.response}
                    </pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </td>
      <td>
        <Button
          className="btn-small"
          aria-label={t("deliveries.redeliverOf", { event, id: delivery.eventId })}
          disabled={redeliver.isPending}
          onClick={() =>
            redeliver.mutate({ path: { webhookId: delivery.webhookId, deliveryId: delivery.id } })
          }
        >
          {t("deliveries.redeliver")}
        </Button>
        {redeliver.isSuccess ? (
          <p className="hint" role="status">
            {t("deliveries.redelivered")}
          </p>
        ) : null}
        <ErrorMessage error={redeliver.error} />
      </td>
    </tr>
  );
}

/** One attempt in a line: when, its outcome (HTTP status or why it failed), how long, why made. */
export function AttemptSummary({ attempt }: { attempt: WebhookAttempt }) {
  const { t } = useTranslation();
  return (
    <span className="attempt">
      <time dateTime={attempt.at}>{formatDate(attempt.at)}</time>{" "}
      <Badge tone={attempt.succeeded ? "good" : "bad"}>
        {attempt.httpStatus !== undefined
          ? t("deliveries.http", { status: attempt.httpStatus })
          : attempt.reason
            ? t(`deliveries.reasons.${attempt.reason}`)
            : t(`deliveries.statuses.${attempt.succeeded ? "succeeded" : "failed"}`)}
      </Badge>{" "}
      {t("deliveries.latency", { ms: formatNumber(Math.round(attempt.latencyMs)) })}
      {attempt.trigger ? ` · ${t(`deliveries.triggers.${attempt.trigger}`)}` : null}
      {attempt.detail ? <span className="actor"> — {attempt.detail}</span> : null}
    </span>
  );
}
