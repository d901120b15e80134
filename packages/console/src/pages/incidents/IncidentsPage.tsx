import type { IncidentStatus } from "@sqibs/api-client";
import { listIncidentsInfiniteOptions, listServicesOptions } from "@sqibs/api-client/react-query";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Badge, ErrorMessage, Loading } from "../../components/ui/Feedback";
import { SelectField, TextField } from "../../components/ui/Field";
import { formatDate, formatNumber } from "../../lib/i18n";
import { CURSOR_PAGING, itemsOf, MoreButton } from "../../lib/paging";
import { Link } from "../../lib/router";
import { useDebounced } from "../../lib/use-debounced";

/** New incidents show up without a reload: the list asks again this often. */
const POLL_MS = 3_000;
const STATUSES: IncidentStatus[] = ["triggered", "acknowledged", "resolved"];

export const STATUS_TONE = { triggered: "bad", acknowledged: "warn", resolved: "good" } as const;

export function IncidentsPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<IncidentStatus | "">("");
  const [serviceId, setServiceId] = useState("");
  const [sourceTyped, setSource] = useState("");
  const source = useDebounced(sourceTyped.trim());
  const services = useQuery(listServicesOptions());
  const serviceName = (id: string) =>
    services.data?.items.find((item) => item.id === id)?.name ?? id;
  const incidents = useInfiniteQuery({
    ...listIncidentsInfiniteOptions({
      query: {
        ...(status ? { status } : {}),
        ...(serviceId ? { serviceId } : {}),
        ...(source ? { source } : {}),
      },
    }),
    ...CURSOR_PAGING,
    refetchInterval: POLL_MS,
  });
  const items = itemsOf(incidents.data);
  return (
    <>
      <PageTitle text={t("incidents.title")} />
      <search className="form-row filters" aria-label={t("incidents.filters")}>
        <SelectField
          label={t("incidents.status")}
          value={status}
          onChange={(event) => setStatus(event.target.value as IncidentStatus | "")}
        >
          <option value="">{t("common.all")}</option>
          {STATUSES.map((value) => (
            <option key={value} value={value}>
              {t(`status.${value}`)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t("incidents.service")}
          value={serviceId}
          onChange={(event) => setServiceId(event.target.value)}
        >
          <option value="">{t("common.all")}</option>
          {services.data?.items.map((service) => (
            <option key={service.id} value={service.id}>
              {service.name}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t("incidents.source")}
          value={sourceTyped}
          onChange={(event) => setSource(event.target.value)}
        />
      </search>
      {incidents.isPending ? <Loading /> : null}
      <ErrorMessage error={incidents.error} />
      <div className="table-wrap">
        <table aria-label={t("incidents.title")}>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t("incidents.incidentTitle")}</th>
              <th scope="col">{t("incidents.status")}</th>
              <th scope="col">{t("incidents.urgency")}</th>
              <th scope="col">{t("incidents.service")}</th>
              <th scope="col">{t("incidents.source")}</th>
              <th scope="col">{t("incidents.events")}</th>
              <th scope="col">{t("incidents.created")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((incident) => (
              <tr key={incident.id}>
                <td>{formatNumber(incident.number)}</td>
                <th scope="row">
                  <Link to={`/incidents/${incident.id}`}>{incident.title}</Link>
                </th>
                <td>
                  <Badge tone={STATUS_TONE[incident.status]}>
                    {t(`status.${incident.status}`)}
                  </Badge>
                </td>
                <td>{t(`urgency.${incident.urgency}`)}</td>
                <td>{serviceName(incident.serviceId)}</td>
                <td>{incident.source ?? "—"}</td>
                <td>{formatNumber(incident.eventCount)}</td>
                <td>{formatDate(incident.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && incidents.isSuccess ? <p>{t("incidents.empty")}</p> : null}
      <MoreButton query={incidents} />
    </>
  );
}
