import type { IntegrationTemplateName, Service } from "@sqibs/api-client";
import {
  createServiceMutation,
  listIntegrationTemplatesOptions,
  listServicesOptions,
  listServicesQueryKey,
} from "@sqibs/api-client/react-query";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../App";
import { PageTitle } from "../../components/PageTitle";
import { useScopeTarget } from "../../components/ScopeTarget";
import { Button } from "../../components/ui/Button";
import { Badge, ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { SelectField, TextField } from "../../components/ui/Field";
import { formatDate } from "../../lib/i18n";
import { LIMITS } from "../../lib/limits";
import { useNames } from "../../lib/names";
import { Link, navigate } from "../../lib/router";

export function ServiceBadges({ service }: { service: Service }) {
  const { t } = useTranslation();
  return (
    <>
      <Badge tone={service.state === "active" ? "good" : "neutral"}>
        {t(`service.states.${service.state}`)}
      </Badge>{" "}
      {service.inMaintenance ? (
        <Badge tone="warn">{t("service.inMaintenance")}</Badge>
      ) : service.maintenance ? (
        <Badge tone="info">{t("service.maintenanceScheduled")}</Badge>
      ) : null}
    </>
  );
}

export function ServicesPage() {
  const { t } = useTranslation();
  const services = useQuery(listServicesOptions());
  const { teamName } = useNames();
  return (
    <>
      <PageTitle text={t("services.title")} />
      <Section id="service-list" title={t("services.list")}>
        {services.isPending ? <Loading /> : null}
        <ErrorMessage error={services.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("services.name")}</th>
                <th scope="col">{t("services.status")}</th>
                <th scope="col">{t("scope.team")}</th>
                <th scope="col">{t("services.template")}</th>
                <th scope="col">{t("services.triggers")}</th>
                <th scope="col">{t("services.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {services.data?.items.map((service) => (
                <tr key={service.id}>
                  <th scope="row">
                    <Link to={`/services/${service.id}`}>{service.name}</Link>
                  </th>
                  <td>
                    <ServiceBadges service={service} />
                  </td>
                  <td>{teamName(service.teamId)}</td>
                  <td>{service.template ?? "—"}</td>
                  <td>{service.filter?.triggers.length ?? 0}</td>
                  <td>{formatDate(service.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section id="service-create" title={t("services.create.title")}>
        <CreateService />
      </Section>
    </>
  );
}

/** The guides write the service's address as this placeholder (IntegrationTemplate.guide). */
const GUIDE_ADDRESS = "https://sqibs.example.com";

function withBaseUrl(guide: string, baseUrl: string): string {
  return guide.replaceAll(GUIDE_ADDRESS, baseUrl);
}

function CreateService() {
  const { t } = useTranslation();
  const { baseUrl } = useSession();
  const queryClient = useQueryClient();
  const templates = useQuery(listIntegrationTemplatesOptions());
  const [name, setName] = useState("");
  const [templateName, setTemplateName] = useState<IntegrationTemplateName | "">("");
  const team = useScopeTarget("team");
  const template = templates.data?.items.find((item) => item.name === templateName);
  const create = useMutation({
    ...createServiceMutation(),
    onSuccess: (service) => {
      void queryClient.invalidateQueries({ queryKey: listServicesQueryKey() });
      navigate(`/services/${service.id}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      body: {
        name: name.trim(),
        teamId: team.targetId,
        ...(templateName ? { template: templateName } : {}),
      },
    });
  };
  return (
    <form onSubmit={submit}>
      <div className="form-row">
        <TextField
          label={t("services.name")}
          required
          maxLength={LIMITS.serviceName}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        {team.picker}
        <SelectField
          label={t("services.create.template")}
          value={templateName}
          onChange={(event) => setTemplateName(event.target.value as IntegrationTemplateName | "")}
        >
          <option value="">{t("services.create.noTemplate")}</option>
          {templates.data?.items.map((item) => (
            <option key={item.name} value={item.name}>
              {item.title}
            </option>
          ))}
        </SelectField>
      </div>
      {template ? (
        <section className="guide" aria-labelledby="template-guide">
          <h3 id="template-guide">{t("services.create.guide", { title: template.title })}</h3>
          <p>{template.description}</p>
          <p>{t("services.create.from", { from: template.from })}</p>
          <pre className="text-block">{withBaseUrl(template.guide, baseUrl)}</pre>
        </section>
      ) : null}
      <ErrorMessage error={create.error} />
      <Button
        type="submit"
        variant="primary"
        disabled={create.isPending || name.trim() === "" || !team.ready}
      >
        {t("services.create.submit")}
      </Button>
    </form>
  );
}
