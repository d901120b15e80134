import type { MaintenanceWindow, Service } from "@sqibs/api-client";
import {
  endServiceMaintenanceMutation,
  listServicesOptions,
  listServicesQueryKey,
  setServiceMaintenanceMutation,
} from "@sqibs/api-client/react-query";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Button } from "../../components/ui/Button";
import { ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { TextField } from "../../components/ui/Field";
import { formatDate } from "../../lib/i18n";
import { LIMITS } from "../../lib/limits";
import { ServiceBadges } from "../services/ServicesPage";

/** "2026-11-28T10:00" in local time, as a datetime-local input shows it. */
function localInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A group typed as "disk, /var": its tags, trimmed, blanks dropped. */
export function parseTagGroup(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
}

export function MaintenancePage() {
  const { t } = useTranslation();
  const services = useQuery(listServicesOptions());
  return (
    <>
      <PageTitle text={t("maintenance.title")} />
      <p className="hint">{t("maintenance.intro")}</p>
      {services.isPending ? <Loading /> : null}
      <ErrorMessage error={services.error} />
      {services.data?.items.map((service) => (
        <ServiceMaintenance key={`${service.id}-${service.updatedAt}`} service={service} />
      ))}
    </>
  );
}

function ServiceMaintenance({ service }: { service: Service }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const window = service.maintenance;
  const [start, setStart] = useState(localInput(window?.start));
  const [end, setEnd] = useState(localInput(window?.end));
  const [groups, setGroups] = useState<string[]>(
    (window?.tags ?? []).map((group) => group.join(", ")),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: listServicesQueryKey() });
  const set = useMutation({ ...setServiceMaintenanceMutation(), onSuccess: refresh });
  const stop = useMutation({ ...endServiceMaintenanceMutation(), onSuccess: refresh });
  const tags = groups.map(parseTagGroup).filter((group) => group.length > 0);
  const tooLong = tags.some(
    (group) =>
      group.length > LIMITS.tagsPerGroup || group.some((tag) => tag.length > LIMITS.tagLength),
  );
  const body: MaintenanceWindow = {
    ...(start ? { start: new Date(start).toISOString() } : {}),
    ...(end ? { end: new Date(end).toISOString() } : {}),
    ...(tags.length ? { tags } : {}),
  };
  const path = { serviceId: service.id };
  const headingId = `maintenance-${service.id}`;
  return (
    <Section id={headingId} title={service.name} actions={<ServiceBadges service={service} />}>
      {window ? (
        <p>
          {t("maintenance.current", {
            start: window.start ? formatDate(window.start) : t("maintenance.now"),
            end: window.end ? formatDate(window.end) : t("maintenance.untilEnded"),
          })}
        </p>
      ) : (
        <p>{t("maintenance.none")}</p>
      )}
      <div className="form-row">
        <TextField
          label={t("maintenance.start")}
          hint={t("maintenance.startHint")}
          type="datetime-local"
          value={start}
          onChange={(event) => setStart(event.target.value)}
        />
        <TextField
          label={t("maintenance.end")}
          hint={t("maintenance.endHint")}
          type="datetime-local"
          value={end}
          onChange={(event) => setEnd(event.target.value)}
        />
      </div>
      <fieldset>
        <legend>{t("maintenance.tags")}</legend>
        <p className="hint">
          {t("maintenance.tagsHint", { max: LIMITS.tagsPerGroup, length: LIMITS.tagLength })}
        </p>
        {groups.map((group, index) => (
          <div className="contains-value" key={index}>
            <TextField
              label={t("maintenance.group", { number: index + 1 })}
              value={group}
              onChange={(event) =>
                setGroups(groups.map((old, at) => (at === index ? event.target.value : old)))
              }
            />
            <Button
              className="btn-small"
              variant="ghost"
              aria-label={t("maintenance.removeGroup", { number: index + 1 })}
              onClick={() => setGroups(groups.filter((_, at) => at !== index))}
            >
              ×
            </Button>
          </div>
        ))}
        <Button
          className="btn-small"
          disabled={groups.length >= LIMITS.tagGroups}
          onClick={() => setGroups([...groups, ""])}
        >
          {t("maintenance.addGroup")}
        </Button>
      </fieldset>
      {tooLong ? (
        <p className="field-error" role="alert">
          {t("maintenance.tooManyTags", { max: LIMITS.tagsPerGroup, length: LIMITS.tagLength })}
        </p>
      ) : null}
      <ErrorMessage error={set.error ?? stop.error} />
      <div className="actions">
        <Button
          variant="primary"
          disabled={set.isPending || tooLong}
          onClick={() => set.mutate({ path, body })}
        >
          {start || end ? t("maintenance.schedule") : t("maintenance.startNow")}
        </Button>
        {window ? (
          <Button disabled={stop.isPending} onClick={() => stop.mutate({ path })}>
            {t("maintenance.endNow")}
          </Button>
        ) : null}
      </div>
    </Section>
  );
}
