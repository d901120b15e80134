import type { IssuedWebhook, Webhook, WebhookCreate, WebhookEventType } from "@sqibs/api-client";
import {
  createWebhookMutation,
  listWebhooksOptions,
  listWebhooksQueryKey,
} from "@sqibs/api-client/react-query";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { useScopeFields } from "../../components/ScopeTarget";
import { SecretCard } from "../../components/SecretCard";
import { Button } from "../../components/ui/Button";
import { Badge, ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { TextField } from "../../components/ui/Field";
import { LIMITS } from "../../lib/limits";
import { useNames } from "../../lib/names";
import { Link } from "../../lib/router";
import { DEFAULT_EVENTS, WEBHOOK_SCOPES } from "./choices";
import { EventChoices, FormatField, offeredEvents } from "./WebhookFields";

/** The webhook's scope, and the team or service it names. */
export function WebhookScope({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  const { teamName, serviceName } = useNames();
  return (
    <>
      <Badge tone="info">{t(`scope.${webhook.scope}`)}</Badge>
      {webhook.teamId ? ` ${teamName(webhook.teamId)}` : null}
      {webhook.serviceId ? ` ${serviceName(webhook.serviceId)}` : null}
    </>
  );
}

/** Enabled, or disabled with the reason the service gave (it failed for days). */
export function WebhookState({ webhook }: { webhook: Webhook }) {
  const { t } = useTranslation();
  if (webhook.enabled) return <Badge tone="good">{t("webhooks.enabled")}</Badge>;
  return (
    <>
      <Badge tone="bad">{t("webhooks.disabled")}</Badge>
      {webhook.disabledReason ? <p className="hint">{webhook.disabledReason}</p> : null}
    </>
  );
}

/** The webhook's secret as the service shows it once (at creation and rotation). */
export function WebhookSecret({ issued, onDone }: { issued: IssuedWebhook; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <SecretCard
      title={t("webhooks.secret.title", { url: issued.webhook.url })}
      note={t("webhooks.secret.once")}
      secret={issued.secret}
      what={t("webhooks.secret.what")}
      onDone={onDone}
    />
  );
}

export function WebhooksPage() {
  const { t } = useTranslation();
  const webhooks = useQuery(listWebhooksOptions());
  const [issued, setIssued] = useState<IssuedWebhook>();
  return (
    <>
      <PageTitle text={t("webhooks.title")} />
      <p className="hint">{t("webhooks.intro")}</p>
      {issued ? <WebhookSecret issued={issued} onDone={() => setIssued(undefined)} /> : null}
      <Section id="webhook-list" title={t("webhooks.list")}>
        {webhooks.isPending ? <Loading /> : null}
        <ErrorMessage error={webhooks.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("webhooks.url")}</th>
                <th scope="col">{t("scope.label")}</th>
                <th scope="col">{t("webhooks.events")}</th>
                <th scope="col">{t("webhooks.format.label")}</th>
                <th scope="col">{t("webhooks.state")}</th>
              </tr>
            </thead>
            <tbody>
              {webhooks.data?.items.map((webhook) => (
                <tr key={webhook.id}>
                  <th scope="row">
                    <Link to={`/webhooks/${webhook.id}`} className="url">
                      {webhook.url}
                    </Link>
                  </th>
                  <td>
                    <WebhookScope webhook={webhook} />
                  </td>
                  <td>
                    <EventList events={webhook.events} />
                  </td>
                  <td>{t(`webhooks.format.${webhook.format}`)}</td>
                  <td>
                    <WebhookState webhook={webhook} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {webhooks.data?.items.length === 0 ? <p>{t("webhooks.empty")}</p> : null}
      </Section>
      <Section id="webhook-create" title={t("webhooks.create.title")}>
        <CreateWebhook onIssued={setIssued} />
      </Section>
    </>
  );
}

export function EventList({ events }: { events: WebhookEventType[] }) {
  const { t } = useTranslation();
  return (
    <ul className="plain">
      {events.map((type) => (
        <li key={type}>{t(`webhooks.eventTypes.${type}`)}</li>
      ))}
    </ul>
  );
}

function CreateWebhook({ onIssued }: { onIssued: (issued: IssuedWebhook) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const scope = useScopeFields(WEBHOOK_SCOPES, (value) => t(`webhooks.scopeHint.${value}`));
  const global = scope.scoped.scope === "global";
  const [url, setUrl] = useState("");
  const [chosen, setChosen] = useState<WebhookEventType[]>(DEFAULT_EVENTS);
  const [format, setFormat] = useState<Webhook["format"]>("json");
  const [workflowId, setWorkflowId] = useState("");
  const events = offeredEvents(chosen, global);
  const askWorkflow = events.includes("request.created");
  const create = useMutation({
    ...createWebhookMutation(),
    onSuccess: (issued) => {
      setUrl("");
      setWorkflowId("");
      onIssued(issued);
      void queryClient.invalidateQueries({ queryKey: listWebhooksQueryKey() });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: WebhookCreate = {
      url: url.trim(),
      events,
      format,
      ...(askWorkflow && workflowId.trim() ? { workflowId: workflowId.trim() } : {}),
      ...scope.scoped,
    };
    create.mutate({ body });
  };
  return (
    <form onSubmit={submit}>
      <div className="form-row">
        {scope.fields}
        <TextField
          label={t("webhooks.url")}
          hint={t("webhooks.urlHint")}
          type="url"
          required
          dir="ltr"
          spellCheck={false}
          autoComplete="off"
          maxLength={LIMITS.webhookUrl}
          placeholder="https://hooks.example.com/sqibs"
          value={url}
          onChange={(event) => setUrl(event.target.value)}
        />
        <FormatField value={format} onChange={setFormat} />
      </div>
      <EventChoices value={chosen} global={global} onChange={setChosen} />
      {askWorkflow ? (
        <TextField
          label={t("webhooks.workflowId")}
          hint={t("webhooks.workflowIdHint")}
          maxLength={LIMITS.workflowId}
          value={workflowId}
          onChange={(event) => setWorkflowId(event.target.value)}
        />
      ) : null}
      <ErrorMessage error={create.error} />
      <Button
        type="submit"
        variant="primary"
        disabled={create.isPending || url.trim() === "" || events.length === 0 || !scope.ready}
      >
        {t("webhooks.create.submit")}
      </Button>
    </form>
  );
}
