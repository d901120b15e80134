import type { IssuedWebhook, Webhook, WebhookTestResult } from "@sqibs/api-client";
import {
  deleteWebhookMutation,
  getWebhookOptions,
  listWebhooksQueryKey,
  rotateWebhookSecretMutation,
  testWebhookMutation,
  updateWebhookMutation,
} from "@sqibs/api-client/react-query";
import { WebhookSecretRotateSchema } from "@sqibs/api-client/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { GraceField } from "../../components/GraceField";
import { PageTitle } from "../../components/PageTitle";
import { Button } from "../../components/ui/Button";
import { ConfirmStep } from "../../components/ui/ConfirmStep";
import { ErrorMessage, Loading, Notice, Section } from "../../components/ui/Feedback";
import { CheckboxField } from "../../components/ui/Field";
import { formatDate } from "../../lib/i18n";
import { Link, navigate } from "../../lib/router";
import { AttemptSummary, DeliveryLog } from "./DeliveryLog";
import { refreshWebhook } from "./queries";
import { EventChoices, FormatField, offeredEvents } from "./WebhookFields";
import { EventList, WebhookScope, WebhookSecret, WebhookState } from "./WebhooksPage";

export function WebhookPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const webhook = useQuery(getWebhookOptions({ path: { webhookId: id } }));
  return (
    <>
      <p className="breadcrumb">
        <Link to="/webhooks">{t("nav.webhooks")}</Link>
      </p>
      {webhook.isPending ? <Loading /> : null}
      <ErrorMessage error={webhook.error} />
      {webhook.data ? <WebhookDetail webhook={webhook.data} /> : null}
    </>
  );
}

function WebhookDetail({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const [issued, setIssued] = useState<IssuedWebhook>();
  return (
    <>
      <PageTitle text={t("webhook.title", { host: hostOf(webhook.url) })} />
      {issued ? <WebhookSecret issued={issued} onDone={() => setIssued(undefined)} /> : null}
      <dl className="facts">
        <dt>{t("webhooks.url")}</dt>
        <dd>
          <code className="url">{webhook.url}</code>
        </dd>
        <dt>{t("scope.label")}</dt>
        <dd>
          <WebhookScope webhook={webhook} />
        </dd>
        <dt>{t("webhooks.state")}</dt>
        <dd>
          <WebhookState webhook={webhook} />
        </dd>
        <dt>{t("webhooks.events")}</dt>
        <dd>
          <EventList events={webhook.events} />
        </dd>
        {webhook.workflowId ? (
          <>
            <dt>{t("webhooks.workflowId")}</dt>
            <dd>
              <code>{webhook.workflowId}</code>
            </dd>
          </>
        ) : null}
        <dt>{t("webhooks.format.label")}</dt>
        <dd>{t(`webhooks.format.${webhook.format}`)}</dd>
        <dt>{t("webhook.secret")}</dt>
        <dd>
          <code className="url">{webhook.secretPrefix}…</code>
        </dd>
        <dt>{t("webhook.lastSuccess")}</dt>
        <dd>{formatDate(webhook.lastSuccessAt)}</dd>
        <dt>{t("webhook.lastAttempt")}</dt>
        <dd>{webhook.lastAttempt ? <AttemptSummary attempt={webhook.lastAttempt} /> : "—"}</dd>
        <dt>{t("webhook.created")}</dt>
        <dd>{formatDate(webhook.createdAt)}</dd>
      </dl>
      <div className="split">
        <Settings webhook={webhook} />
        <Actions webhook={webhook} onIssued={setIssued} />
      </div>
      <DeliveryLog webhookId={webhook.id} />
    </>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The events, the format and whether it is on (the scope and URL stay; make another for those). */
function Settings({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [events, setEvents] = useState(webhook.events);
  const [format, setFormat] = useState(webhook.format);
  const [enabled, setEnabled] = useState(webhook.enabled);
  const global = webhook.scope === "global";
  const chosen = offeredEvents(events, global);
  const update = useMutation({
    ...updateWebhookMutation(),
    onSuccess: () => refreshWebhook(queryClient, webhook.id),
  });
  return (
    <Section id="webhook-settings" title={t("webhook.settings")}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({
            path: { webhookId: webhook.id },
            body: { events: chosen, format, enabled },
          });
        }}
      >
        <EventChoices value={events} global={global} onChange={setEvents} />
        <FormatField value={format} onChange={setFormat} />
        <CheckboxField
          label={t("webhooks.enabled")}
          hint={t("webhook.enabledHint")}
          checked={enabled}
          onChange={(event) => setEnabled(event.target.checked)}
        />
        <ErrorMessage error={update.error} />
        {update.isSuccess ? <Notice>{t("webhook.saved")}</Notice> : null}
        <Button type="submit" variant="primary" disabled={update.isPending || chosen.length === 0}>
          {t("webhook.save")}
        </Button>
      </form>
    </Section>
  );
}

/** Send a test event, rotate the signing secret, delete. */
function Actions({
  webhook,
  onIssued,
}: {
  webhook: Webhook;
  onIssued: (issued: IssuedWebhook) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<"idle" | "rotate" | "delete">("idle");
  const [grace, setGrace] = useState<number>(
    WebhookSecretRotateSchema.properties.graceSeconds.default,
  );
  const path = { webhookId: webhook.id };
  const refresh = () => refreshWebhook(queryClient, webhook.id);
  const test = useMutation({ ...testWebhookMutation(), onSettled: refresh });
  const rotate = useMutation({
    ...rotateWebhookSecretMutation(),
    onSuccess: (issued) => {
      setStep("idle");
      onIssued(issued);
      refresh();
    },
  });
  const remove = useMutation({
    ...deleteWebhookMutation(),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: listWebhooksQueryKey() });
      navigate("/webhooks");
    },
  });
  return (
    <Section id="webhook-actions" title={t("webhook.actions")}>
      <h3>{t("webhook.test.title")}</h3>
      <p className="hint">{t("webhook.test.hint")}</p>
      <Button disabled={test.isPending} onClick={() => test.mutate({ path })}>
        {t("webhook.test.send")}
      </Button>
      {test.data ? <TestOutcome result={test.data} /> : null}
      <ErrorMessage error={test.error} />

      <h3>{t("webhook.rotate.title")}</h3>
      <p className="hint">{t("webhook.rotate.hint")}</p>
      {step === "rotate" ? (
        <ConfirmStep onCancel={() => setStep("idle")}>
          <GraceField label={t("webhook.rotate.grace")} value={grace} onChange={setGrace} />
          <Button
            variant="primary"
            className="btn-small"
            disabled={rotate.isPending}
            onClick={() => rotate.mutate({ path, body: { graceSeconds: grace } })}
          >
            {t("webhook.rotate.confirm")}
          </Button>
        </ConfirmStep>
      ) : (
        <Button onClick={() => setStep("rotate")}>{t("webhook.rotate.start")}</Button>
      )}
      <ErrorMessage error={rotate.error} />

      <h3>{t("webhook.delete.title")}</h3>
      <p className="hint">{t("webhook.delete.hint")}</p>
      {step === "delete" ? (
        <ConfirmStep onCancel={() => setStep("idle")}>
          <Button
            variant="danger"
            className="btn-small"
            disabled={remove.isPending}
            onClick={() => remove.mutate({ path })}
          >
            {t("webhook.delete.confirm")}
          </Button>
        </ConfirmStep>
      ) : (
        <Button variant="danger" onClick={() => setStep("delete")}>
          {t("webhook.delete.start")}
        </Button>
      )}
      <ErrorMessage error={remove.error} />
    </Section>
  );
}

/** What the receiver did with the test event (the attempt is in the delivery log too). */
function TestOutcome({ result }: { result: WebhookTestResult }) {
  const { t } = useTranslation();
  const attempt = result.delivery.attempts.at(-1);
  if (result.delivered) {
    return (
      <Notice>
        {t("webhook.test.delivered")} {attempt ? <AttemptSummary attempt={attempt} /> : null}
      </Notice>
    );
  }
  return (
    <p className="alert alert-error" role="alert">
      {t("webhook.test.failed")} {attempt ? <AttemptSummary attempt={attempt} /> : null}
    </p>
  );
}
