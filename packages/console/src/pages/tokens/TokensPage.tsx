import type { IssuedToken, Token, TokenCreate } from "@sqibs/api-client";
import {
  createTokenMutation,
  listTokensOptions,
  listTokensQueryKey,
  revokeTokenMutation,
  rotateTokenMutation,
  updateTokenMutation,
} from "@sqibs/api-client/react-query";
import { TokenNameSchema, TokenRotateSchema } from "@sqibs/api-client/schemas";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../App";
import { GraceField } from "../../components/GraceField";
import { PageTitle } from "../../components/PageTitle";
import { useScopeFields } from "../../components/ScopeTarget";
import { SecretCard } from "../../components/SecretCard";
import { Button } from "../../components/ui/Button";
import { ConfirmStep } from "../../components/ui/ConfirmStep";
import { CopyButton } from "../../components/ui/CopyButton";
import { Badge, ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { CheckboxField, TextField } from "../../components/ui/Field";
import { formatDate } from "../../lib/i18n";
import { useNames } from "../../lib/names";
import { EndpointList } from "./EndpointList";

const SCOPES: ReadonlyArray<Token["scope"]> = ["global", "team", "service", "admin"];

export function TokensPage() {
  const { t } = useTranslation();
  const { baseUrl } = useSession();
  const tokens = useQuery(listTokensOptions());
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [issued, setIssued] = useState<IssuedToken>();
  const [chosen, setChosen] = useState<string>();
  const ingestTokens = (tokens.data?.items ?? []).filter(
    (token) => !token.revokedAt && token.scope !== "admin",
  );
  const shown = chosen ?? ingestTokens[0]?.id;
  const remember = (result: IssuedToken) => {
    setIssued(result);
    setSecrets((known) => ({ ...known, [result.token.id]: result.secret }));
    if (result.token.scope !== "admin") setChosen(result.token.id);
  };
  return (
    <>
      <PageTitle text={t("tokens.title")} />
      <Section id="base-url" title={t("tokens.baseUrl")}>
        <p className="hint">{t("tokens.baseUrlHint")}</p>
        <div className="endpoint-line">
          <code className="base-url">{baseUrl}</code>
          <CopyButton text={baseUrl} what={t("tokens.baseUrl")} />
        </div>
      </Section>
      {issued ? (
        <SecretCard
          title={t("tokens.secret.title", { name: issued.token.name })}
          note={t("tokens.secret.once")}
          secret={issued.secret}
          what={t("tokens.secret.what")}
          onDone={() => setIssued(undefined)}
        />
      ) : null}
      <Section id="token-list" title={t("tokens.list")}>
        {tokens.isPending ? <Loading /> : null}
        <ErrorMessage error={tokens.error} />
        {tokens.data ? (
          <TokenTable tokens={tokens.data.items} onIssued={remember} onShow={setChosen} />
        ) : null}
      </Section>
      <Section id="token-create" title={t("tokens.create.title")}>
        <CreateToken onIssued={remember} />
      </Section>
      <Section id="endpoints" title={t("tokens.endpoints.title")}>
        <EndpointList
          baseUrl={baseUrl}
          tokens={ingestTokens}
          secrets={secrets}
          chosen={shown}
          onChoose={setChosen}
        />
      </Section>
    </>
  );
}

function TokenTable({
  tokens,
  onIssued,
  onShow,
}: {
  tokens: Token[];
  onIssued: (issued: IssuedToken) => void;
  onShow: (id: string) => void;
}) {
  const { t } = useTranslation();
  const { teamName, serviceName } = useNames();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t("tokens.name")}</th>
            <th scope="col">{t("scope.label")}</th>
            <th scope="col">{t("tokens.prefix")}</th>
            <th scope="col">{t("tokens.debug")}</th>
            <th scope="col">{t("tokens.created")}</th>
            <th scope="col">{t("tokens.lastUsed")}</th>
            <th scope="col">{t("common.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id}>
              <th scope="row">{token.name}</th>
              <td>
                <Badge tone={token.scope === "admin" ? "warn" : "info"}>
                  {t(`scope.${token.scope}`)}
                </Badge>
                {token.teamId ? ` ${teamName(token.teamId)}` : null}
                {token.serviceId ? ` ${serviceName(token.serviceId)}` : null}
              </td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>
                <DebugSwitch token={token} />
              </td>
              <td>{formatDate(token.createdAt)}</td>
              <td>{formatDate(token.lastUsedAt)}</td>
              <td>
                {token.revokedAt ? (
                  <Badge tone="bad">
                    {t("tokens.revokedAt", { at: formatDate(token.revokedAt) })}
                  </Badge>
                ) : (
                  <TokenActions token={token} onIssued={onIssued} onShow={onShow} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function DebugSwitch({ token }: { token: Token }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  // Shown switched at once; back as it was if the service refuses.
  const [checked, setChecked] = useState(token.debug);
  const update = useMutation({
    ...updateTokenMutation(),
    onSuccess: (updated) => setChecked(updated.debug),
    onError: () => setChecked(token.debug),
    onSettled: () => queryClient.invalidateQueries({ queryKey: listTokensQueryKey() }),
  });
  return (
    <>
      <input
        type="checkbox"
        role="switch"
        aria-checked={checked}
        aria-label={t("tokens.debugFor", { name: token.name })}
        checked={checked}
        disabled={Boolean(token.revokedAt)}
        onChange={(event) => {
          setChecked(event.target.checked);
          update.mutate({ path: { tokenId: token.id }, body: { debug: event.target.checked } });
        }}
      />
      <ErrorMessage error={update.error} />
    </>
  );
}

function TokenActions({
  token,
  onIssued,
  onShow,
}: {
  token: Token;
  onIssued: (issued: IssuedToken) => void;
  onShow: (id: string) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<"idle" | "rotate" | "revoke">("idle");
  const [grace, setGrace] = useState<number>(TokenRotateSchema.properties.graceSeconds.default);
  const refresh = () => queryClient.invalidateQueries({ queryKey: listTokensQueryKey() });
  const rotate = useMutation({
    ...rotateTokenMutation(),
    onSuccess: (issued) => {
      setStep("idle");
      onIssued(issued);
      void refresh();
    },
  });
  const revoke = useMutation({
    ...revokeTokenMutation(),
    onSuccess: () => {
      setStep("idle");
      void refresh();
    },
  });
  const path = { tokenId: token.id };
  return (
    <div className="actions">
      {token.scope !== "admin" ? (
        <Button className="btn-small" onClick={() => onShow(token.id)}>
          {t("tokens.showEndpoints")}
        </Button>
      ) : null}
      {step === "idle" ? (
        <>
          <Button className="btn-small" onClick={() => setStep("rotate")}>
            {t("tokens.rotate")}
          </Button>
          <Button className="btn-small" variant="danger" onClick={() => setStep("revoke")}>
            {t("tokens.revoke")}
          </Button>
        </>
      ) : null}
      {step === "rotate" ? (
        <ConfirmStep onCancel={() => setStep("idle")}>
          <GraceField label={t("tokens.grace")} value={grace} onChange={setGrace} />
          <Button
            variant="primary"
            className="btn-small"
            onClick={() => rotate.mutate({ path, body: { graceSeconds: grace } })}
          >
            {t("tokens.rotateConfirm", { name: token.name })}
          </Button>
        </ConfirmStep>
      ) : null}
      {step === "revoke" ? (
        <ConfirmStep onCancel={() => setStep("idle")}>
          <Button variant="danger" className="btn-small" onClick={() => revoke.mutate({ path })}>
            {t("tokens.revokeConfirm", { name: token.name })}
          </Button>
        </ConfirmStep>
      ) : null}
      <ErrorMessage error={rotate.error ?? revoke.error} />
    </div>
  );
}

function CreateToken({ onIssued }: { onIssued: (issued: IssuedToken) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const scope = useScopeFields(SCOPES);
  const [debug, setDebug] = useState(false);
  const create = useMutation({
    ...createTokenMutation(),
    onSuccess: (issued) => {
      setName("");
      onIssued(issued);
      void queryClient.invalidateQueries({ queryKey: listTokensQueryKey() });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: TokenCreate = { name: name.trim(), debug, ...scope.scoped };
    create.mutate({ body });
  };
  return (
    <form onSubmit={submit} className="form-row">
      <TextField
        label={t("tokens.name")}
        required
        maxLength={TokenNameSchema.maxLength}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      {scope.fields}
      <CheckboxField
        label={t("tokens.debug")}
        hint={t("tokens.debugHint")}
        checked={debug}
        onChange={(event) => setDebug(event.target.checked)}
      />
      <ErrorMessage error={create.error} />
      <Button
        type="submit"
        variant="primary"
        disabled={create.isPending || name.trim() === "" || !scope.ready}
      >
        {t("tokens.create.submit")}
      </Button>
    </form>
  );
}
