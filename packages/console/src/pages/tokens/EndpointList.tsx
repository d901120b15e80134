import type { Token } from "@sqibs/api-client";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { CopyButton } from "../../components/ui/CopyButton";
import { Notice } from "../../components/ui/Feedback";
import { SelectField, TextField } from "../../components/ui/Field";
import { type EndpointForm, endpointForms } from "./endpoints";

const TOKEN_PLACEHOLDER = "YOUR_API_TOKEN";

/** For a chosen ingest token: every final endpoint URL, each with a copy button and a curl. */
export function EndpointList({
  baseUrl,
  tokens,
  secrets,
  chosen,
  onChoose,
}: {
  baseUrl: string;
  tokens: Token[];
  secrets: Record<string, string>;
  chosen: string | undefined;
  onChoose: (id: string) => void;
}) {
  const { t } = useTranslation();
  const [pasted, setPasted] = useState<Record<string, string>>({});
  const [from, setFrom] = useState("FromValue");
  const token = tokens.find((candidate) => candidate.id === chosen);
  if (!token) return <Notice>{t("tokens.endpoints.none")}</Notice>;
  const secret = secrets[token.id] ?? pasted[token.id] ?? "";
  const forms = endpointForms(baseUrl, secret || TOKEN_PLACEHOLDER, from);
  return (
    <div className="endpoints">
      <div className="form-row">
        <SelectField
          label={t("tokens.endpoints.token")}
          value={token.id}
          onChange={(event) => onChoose(event.target.value)}
        >
          {tokens.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name} ({t(`scope.${candidate.scope}`)}, {candidate.prefix}…)
            </option>
          ))}
        </SelectField>
        <TextField
          label={t("tokens.endpoints.secret")}
          hint={
            secrets[token.id] ? t("tokens.endpoints.secretKnown") : t("tokens.endpoints.secretHint")
          }
          type="text"
          autoComplete="off"
          spellCheck={false}
          placeholder={TOKEN_PLACEHOLDER}
          value={secret}
          readOnly={secrets[token.id] !== undefined}
          onChange={(event) => setPasted({ ...pasted, [token.id]: event.target.value.trim() })}
        />
        <TextField
          label={t("tokens.endpoints.from")}
          hint={t("tokens.endpoints.fromHint")}
          value={from}
          onChange={(event) => setFrom(event.target.value)}
        />
      </div>
      {token.scope !== "global" ? <Notice>{t("tokens.endpoints.requestGlobalOnly")}</Notice> : null}
      {(["", "/sqibs-api"] as const).map((prefix) =>
        (["process", "request"] as const).map((endpoint) => (
          <EndpointGroup
            key={`${prefix}${endpoint}`}
            forms={forms.filter((form) => form.prefix === prefix && form.endpoint === endpoint)}
            title={t(`tokens.endpoints.${endpoint}`, { path: `${prefix}/v1/${endpoint}` })}
          />
        )),
      )}
    </div>
  );
}

function EndpointGroup({ title, forms }: { title: string; forms: EndpointForm[] }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section aria-labelledby={id} className="endpoint-group">
      <h3 id={id}>{title}</h3>
      <ul className="endpoint-list">
        {forms.map((form) => {
          const label = t(`tokens.endpoints.form.${form.placement}${form.withFrom ? "From" : ""}`);
          return (
            <li key={form.url}>
              <p className="endpoint-label">{label}</p>
              <div className="endpoint-line">
                <code className="endpoint-url">{form.url}</code>
                <CopyButton text={form.url} what={t("tokens.endpoints.urlOf", { label })} />
              </div>
              <details>
                <summary>{t("tokens.endpoints.curl")}</summary>
                <div className="endpoint-line">
                  <pre className="curl">
                    <code>{form.curl}</code>
                  </pre>
                  <CopyButton text={form.curl} what={t("tokens.endpoints.curlOf", { label })} />
                </div>
              </details>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
