import type { Incident } from "@sqibs/api-client";
import {
  acknowledgeIncidentMutation,
  getIncidentOptions,
  getIncidentQueryKey,
  listTokensOptions,
  resolveIncidentMutation,
  unacknowledgeIncidentMutation,
} from "@sqibs/api-client/react-query";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { PayloadView } from "../../components/PayloadView";
import { Button } from "../../components/ui/Button";
import { Badge, ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { TextAreaField } from "../../components/ui/Field";
import { formatDate, formatNumber } from "../../lib/i18n";
import { Link } from "../../lib/router";
import { STATUS_TONE } from "./IncidentsPage";

export function IncidentPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const incident = useQuery({
    ...getIncidentOptions({ path: { incidentId: id } }),
    refetchInterval: 5_000,
  });
  return (
    <>
      <p className="breadcrumb">
        <Link to="/incidents">{t("nav.incidents")}</Link>
      </p>
      {incident.isPending ? <Loading /> : null}
      <ErrorMessage error={incident.error} />
      {incident.data ? <IncidentDetail incident={incident.data} /> : null}
    </>
  );
}

/** "token:<id>" as the token's name when it is one of this account's; other actors as they are. */
function useActorName(): (actor: string) => string {
  const tokens = useQuery(listTokensOptions());
  return (actor) => {
    const id = actor.startsWith("token:") ? actor.slice("token:".length) : undefined;
    const token = tokens.data?.items.find((item) => item.id === id);
    return token ? `${token.name} (${actor})` : actor;
  };
}

function IncidentDetail({ incident }: { incident: Incident }) {
  const { t } = useTranslation();
  const actorName = useActorName();
  return (
    <>
      <PageTitle text={`#${incident.number} ${incident.title}`} />
      <dl className="facts">
        <dt>{t("incidents.status")}</dt>
        <dd>
          <Badge tone={STATUS_TONE[incident.status]}>{t(`status.${incident.status}`)}</Badge>
        </dd>
        <dt>{t("incidents.urgency")}</dt>
        <dd>{t(`urgency.${incident.urgency}`)}</dd>
        <dt>{t("incidents.source")}</dt>
        <dd>{incident.source ?? "—"}</dd>
        <dt>{t("incidents.correlation")}</dt>
        <dd>{incident.correlationKey ?? "—"}</dd>
        <dt>{t("incidents.events")}</dt>
        <dd>{formatNumber(incident.eventCount)}</dd>
        <dt>{t("incidents.created")}</dt>
        <dd>{formatDate(incident.createdAt)}</dd>
      </dl>
      <Lifecycle incident={incident} />
      <Section id="incident-description" title={t("incidents.description")}>
        <pre className="text-block">{incident.description}</pre>
      </Section>
      <Section id="incident-timeline" title={t("incidents.timeline")}>
        <ol className="timeline">
          {incident.events.map((event, index) => (
            <li key={index}>
              <time dateTime={event.at}>{formatDate(event.at)}</time>{" "}
              <Badge>{t(`events.${event.type}`)}</Badge>{" "}
              <span className="actor">{actorName(event.actor)}</span>
              {event.comment ? <p className="comment">{event.comment}</p> : null}
            </li>
          ))}
        </ol>
      </Section>
      <Section id="incident-payload" title={t("incidents.payload")}>
        <PayloadView payload={incident.payload} />
      </Section>
    </>
  );
}

function Lifecycle({ incident }: { incident: Incident }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState("");
  const path = { incidentId: incident.id };
  const onSuccess = (updated: Incident) => {
    setComment("");
    queryClient.setQueryData(getIncidentQueryKey({ path }), updated);
    void queryClient.invalidateQueries({
      predicate: (query) => (query.queryKey[0] as { _id?: string })?._id === "listIncidents",
    });
  };
  const acknowledge = useMutation({ ...acknowledgeIncidentMutation(), onSuccess });
  const unacknowledge = useMutation({ ...unacknowledgeIncidentMutation(), onSuccess });
  const resolve = useMutation({ ...resolveIncidentMutation(), onSuccess });
  const busy = acknowledge.isPending || unacknowledge.isPending || resolve.isPending;
  const body = comment.trim() ? { comment: comment.trim() } : {};
  if (incident.status === "resolved") return null;
  return (
    <Section id="incident-actions" title={t("incidents.actions")}>
      <TextAreaField
        label={t("incidents.comment")}
        rows={2}
        value={comment}
        onChange={(event) => setComment(event.target.value)}
      />
      <div className="actions">
        {incident.status === "triggered" ? (
          <Button
            variant="primary"
            disabled={busy}
            onClick={() => acknowledge.mutate({ path, body })}
          >
            {t("incidents.acknowledge")}
          </Button>
        ) : (
          <Button disabled={busy} onClick={() => unacknowledge.mutate({ path, body })}>
            {t("incidents.unacknowledge")}
          </Button>
        )}
        <Button variant="primary" disabled={busy} onClick={() => resolve.mutate({ path, body })}>
          {t("incidents.resolve")}
        </Button>
      </div>
      <ErrorMessage error={acknowledge.error ?? unacknowledge.error ?? resolve.error} />
    </Section>
  );
}
