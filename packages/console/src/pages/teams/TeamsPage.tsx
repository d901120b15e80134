import type { Service, Team } from "@sqibs/api-client";
import {
  createTeamMutation,
  deleteTeamMutation,
  listServicesOptions,
  listTeamsOptions,
  listTeamsQueryKey,
  listTokensQueryKey,
  listWebhooksQueryKey,
  updateTeamMutation,
} from "@sqibs/api-client/react-query";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Button } from "../../components/ui/Button";
import { ConfirmStep } from "../../components/ui/ConfirmStep";
import { Badge, ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { TextField } from "../../components/ui/Field";
import { formatDate } from "../../lib/i18n";
import { LIMITS } from "../../lib/limits";
import { Link } from "../../lib/router";

export function TeamsPage() {
  const { t } = useTranslation();
  const teams = useQuery(listTeamsOptions());
  const services = useQuery(listServicesOptions());
  const servicesOf = (team: Team) =>
    services.data?.items.filter((service) => service.teamId === team.id) ?? [];
  return (
    <>
      <PageTitle text={t("teams.title")} />
      <p className="hint">{t("teams.intro")}</p>
      <Section id="team-list" title={t("teams.list")}>
        {teams.isPending ? <Loading /> : null}
        <ErrorMessage error={teams.error ?? services.error} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("teams.name")}</th>
                <th scope="col">{t("teams.services")}</th>
                <th scope="col">{t("teams.created")}</th>
                <th scope="col">{t("common.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {teams.data?.items.map((team) => (
                <tr key={team.id}>
                  <th scope="row">
                    {team.name}
                    {team.isDefault ? (
                      <>
                        {" "}
                        <Badge tone="info">{t("teams.default")}</Badge>
                      </>
                    ) : null}
                  </th>
                  <td>
                    <TeamServices services={servicesOf(team)} />
                  </td>
                  <td>{formatDate(team.createdAt)}</td>
                  <td>
                    <TeamActions team={team} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section id="team-create" title={t("teams.create.title")}>
        <CreateTeam />
      </Section>
    </>
  );
}

function TeamServices({ services }: { services: Service[] }) {
  const { t } = useTranslation();
  if (services.length === 0) return <span className="hint">{t("teams.noServices")}</span>;
  return (
    <ul className="plain">
      {services.map((service) => (
        <li key={service.id}>
          <Link to={`/services/${service.id}`}>{service.name}</Link>
        </li>
      ))}
    </ul>
  );
}

/** Rename, and delete (a team that still has services is refused with their names: a 409). */
function TeamActions({ team }: { team: Team }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<"idle" | "rename" | "delete">("idle");
  const [name, setName] = useState(team.name);
  const done = () => {
    setStep("idle");
    void queryClient.invalidateQueries({ queryKey: listTeamsQueryKey() });
  };
  const rename = useMutation({ ...updateTeamMutation(), onSuccess: done });
  const remove = useMutation({
    ...deleteTeamMutation(),
    onSuccess: () => {
      done();
      // The team's tokens are revoked and its webhooks deleted with it.
      void queryClient.invalidateQueries({ queryKey: listTokensQueryKey() });
      void queryClient.invalidateQueries({ queryKey: listWebhooksQueryKey() });
    },
  });
  const path = { teamId: team.id };
  const start = (next: typeof step) => {
    rename.reset();
    remove.reset();
    setName(team.name);
    setStep(next);
  };
  return (
    <div className="actions">
      {step === "idle" ? (
        <>
          <Button className="btn-small" onClick={() => start("rename")}>
            {t("teams.rename")}
          </Button>
          {team.isDefault ? null : (
            <Button className="btn-small" variant="danger" onClick={() => start("delete")}>
              {t("teams.delete")}
            </Button>
          )}
        </>
      ) : null}
      {step === "rename" ? (
        <ConfirmStep
          onCancel={() => setStep("idle")}
          onSubmit={() => rename.mutate({ path, body: { name: name.trim() } })}
        >
          <TextField
            label={t("teams.newName", { name: team.name })}
            required
            maxLength={LIMITS.teamName}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
          <Button
            type="submit"
            variant="primary"
            className="btn-small"
            disabled={rename.isPending || name.trim() === ""}
          >
            {t("teams.renameConfirm")}
          </Button>
        </ConfirmStep>
      ) : null}
      {step === "delete" ? (
        <ConfirmStep onCancel={() => setStep("idle")}>
          <p className="hint">{t("teams.deleteHint")}</p>
          <Button
            variant="danger"
            className="btn-small"
            disabled={remove.isPending}
            onClick={() => remove.mutate({ path })}
          >
            {t("teams.deleteConfirm", { name: team.name })}
          </Button>
        </ConfirmStep>
      ) : null}
      <ErrorMessage error={rename.error ?? remove.error} />
    </div>
  );
}

function CreateTeam() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation({
    ...createTeamMutation(),
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: listTeamsQueryKey() });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ body: { name: name.trim() } });
  };
  return (
    <form onSubmit={submit} className="form-row">
      <TextField
        label={t("teams.name")}
        required
        maxLength={LIMITS.teamName}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <ErrorMessage error={create.error} />
      <Button type="submit" variant="primary" disabled={create.isPending || name.trim() === ""}>
        {t("teams.create.submit")}
      </Button>
    </form>
  );
}
