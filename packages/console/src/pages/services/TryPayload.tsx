import { type FilterTestInput, testServiceFilter } from "@sqibs/api-client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Badge, ErrorMessage } from "../../components/ui/Feedback";
import { SelectField, TextAreaField, TextField } from "../../components/ui/Field";
import { useDebounced } from "../../lib/use-debounced";
import { type FilterDraft, toFilterInput } from "./filter-draft";

const SAMPLE = JSON.stringify(
  { status: "firing", title: "Disk full on db-1", description: "/var is at 97%", id: "db-1-disk" },
  null,
  2,
);

/** Runs filter/test on the unsaved filter as the payload or the filter changes; writes nothing. */
export function TryPayload({ serviceId, draft }: { serviceId: string; draft: FilterDraft }) {
  const { t } = useTranslation();
  const [payload, setPayload] = useState(SAMPLE);
  const [from, setFrom] = useState("");
  const [contentType, setContentType] = useState("application/json");
  const input: FilterTestInput = useDebounced({
    payload,
    contentType,
    ...(from.trim() ? { from: from.trim() } : {}),
    filter: toFilterInput(draft),
  });
  const trial = useQuery({
    queryKey: ["filter-trial", serviceId, input],
    queryFn: async ({ signal }) =>
      (await testServiceFilter({ path: { serviceId }, body: input, signal, throwOnError: true }))
        .data,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const result = trial.data;
  return (
    <section className="card try-payload" aria-labelledby="try-payload">
      <h2 id="try-payload">{t("trial.title")}</h2>
      <p className="hint">{t("trial.intro")}</p>
      <TextAreaField
        label={t("trial.payload")}
        rows={8}
        spellCheck={false}
        value={payload}
        onChange={(event) => setPayload(event.target.value)}
      />
      <div className="form-row">
        <TextField
          label={t("trial.from")}
          value={from}
          onChange={(event) => setFrom(event.target.value)}
        />
        <SelectField
          label={t("trial.contentType")}
          value={contentType}
          onChange={(event) => setContentType(event.target.value)}
        >
          <option value="application/json">application/json</option>
          <option value="text/plain">text/plain</option>
        </SelectField>
      </div>
      <div aria-live="polite" aria-busy={trial.isFetching} className="trial-result">
        <ErrorMessage error={trial.error} />
        {result ? (
          <dl>
            <dt>{t("trial.decision")}</dt>
            <dd data-testid="trial-decision">
              <Badge
                tone={
                  result.decision === "trigger"
                    ? "bad"
                    : result.decision === "resolve"
                      ? "good"
                      : "neutral"
                }
              >
                {t(`trial.decisions.${result.decision}`)}
              </Badge>
              {result.triggerIndex !== undefined
                ? ` ${t("trial.byTrigger", { number: result.triggerIndex + 1 })}`
                : null}
              {result.reason ? ` (${t(`trial.reasons.${result.reason}`)})` : null}
            </dd>
            {result.urgency ? (
              <>
                <dt>{t("filter.urgency")}</dt>
                <dd>{t(`urgency.${result.urgency}`)}</dd>
              </>
            ) : null}
            <dt>{t("trial.resultTitle")}</dt>
            <dd data-testid="trial-title">{result.title ?? "—"}</dd>
            <dt>{t("trial.resultDescription")}</dt>
            <dd>
              <pre className="text-block" data-testid="trial-description">
                {result.description ?? "—"}
              </pre>
            </dd>
            <dt>{t("trial.correlation")}</dt>
            <dd data-testid="trial-correlation">{result.correlationKey ?? "—"}</dd>
            <dt>{t("trial.maintenance")}</dt>
            <dd>{result.maintenance ? t("common.yes") : t("common.no")}</dd>
          </dl>
        ) : null}
      </div>
    </section>
  );
}
