import type { Service } from "@sqibs/api-client";
import {
  getServiceOptions,
  getServiceQueryKey,
  listServicesQueryKey,
  listTeamsOptions,
  setServiceFilterMutation,
  updateServiceMutation,
} from "@sqibs/api-client/react-query";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Button } from "../../components/ui/Button";
import { ErrorMessage, Loading, Notice } from "../../components/ui/Feedback";
import { SelectField } from "../../components/ui/Field";
import { Link } from "../../lib/router";
import { FilterEditor } from "./FilterEditor";
import { type FilterDraft, toDraft, toFilterInput } from "./filter-draft";
import { TryPayload } from "./TryPayload";

export function ServicePage({ id }: { id: string }) {
  const { t } = useTranslation();
  const service = useQuery(getServiceOptions({ path: { serviceId: id } }));
  if (service.isPending) return <Loading />;
  if (!service.data) return <ErrorMessage error={service.error} />;
  return (
    <ServiceEditor
      key={service.data.id}
      service={service.data}
      title={t("service.title", { name: service.data.name })}
    />
  );
}

function ServiceEditor({ service, title }: { service: Service; title: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<FilterDraft>(() => toDraft(service));
  const [saved, setSaved] = useState(false);
  const path = { serviceId: service.id };
  const refresh = (updated: Service) => {
    queryClient.setQueryData(getServiceQueryKey({ path }), updated);
    void queryClient.invalidateQueries({ queryKey: listServicesQueryKey() });
  };
  const save = useMutation({
    ...setServiceFilterMutation(),
    onSuccess: (updated) => {
      setSaved(true);
      refresh(updated);
    },
  });
  const update = useMutation({ ...updateServiceMutation(), onSuccess: refresh });
  const teams = useQuery(listTeamsOptions());
  return (
    <>
      <p className="breadcrumb">
        <Link to="/services">{t("nav.services")}</Link>
      </p>
      <PageTitle text={title} />
      <div className="form-row">
        <SelectField
          label={t("service.state")}
          value={service.state}
          onChange={(event) =>
            update.mutate({ path, body: { state: event.target.value as Service["state"] } })
          }
        >
          <option value="active">{t("service.states.active")}</option>
          <option value="disabled">{t("service.states.disabled")}</option>
        </SelectField>
        <SelectField
          label={t("scope.team")}
          hint={t("service.teamHint")}
          value={service.teamId}
          onChange={(event) => update.mutate({ path, body: { teamId: event.target.value } })}
        >
          {teams.data?.items.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </SelectField>
        {service.template ? (
          <Notice>{t("service.fromTemplate", { template: service.template })}</Notice>
        ) : null}
      </div>
      <ErrorMessage error={update.error} />
      <div className="split">
        <section className="card" aria-labelledby="filter-title">
          <h2 id="filter-title">{t("filter.title")}</h2>
          <FilterEditor
            draft={draft}
            onChange={(changed) => {
              setSaved(false);
              setDraft(changed);
            }}
          />
          <ErrorMessage error={save.error} />
          {saved ? <Notice>{t("filter.saved")}</Notice> : null}
          <Button
            variant="primary"
            disabled={save.isPending}
            onClick={() => save.mutate({ path, body: toFilterInput(draft) })}
          >
            {t("filter.save")}
          </Button>
        </section>
        <TryPayload serviceId={service.id} draft={draft} />
      </div>
    </>
  );
}
