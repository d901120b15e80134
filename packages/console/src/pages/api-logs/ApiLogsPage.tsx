import {
  listApiLogsInfiniteOptions,
  listServicesOptions,
  listTokensOptions,
} from "@sqibs/api-client/react-query";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { Badge, ErrorMessage, Loading } from "../../components/ui/Feedback";
import { SelectField } from "../../components/ui/Field";
import { formatDate, formatNumber } from "../../lib/i18n";
import { CURSOR_PAGING, itemsOf, MoreButton } from "../../lib/paging";
import { Link } from "../../lib/router";

/** Calls of tokens with debug on, and calls held back by maintenance. */
export function ApiLogsPage() {
  const { t } = useTranslation();
  const [tokenId, setTokenId] = useState("");
  const tokens = useQuery(listTokensOptions());
  const services = useQuery(listServicesOptions());
  const tokenName = (id: string) => tokens.data?.items.find((token) => token.id === id)?.name ?? id;
  const serviceName = (id: string) =>
    services.data?.items.find((item) => item.id === id)?.name ?? id;
  const logs = useInfiniteQuery({
    ...listApiLogsInfiniteOptions({ query: tokenId ? { tokenId } : {} }),
    ...CURSOR_PAGING,
    refetchInterval: 5_000,
  });
  const items = itemsOf(logs.data);
  return (
    <>
      <PageTitle text={t("apiLogs.title")} />
      <p className="hint">{t("apiLogs.intro")}</p>
      <div className="form-row filters">
        <SelectField
          label={t("apiLogs.token")}
          value={tokenId}
          onChange={(event) => setTokenId(event.target.value)}
        >
          <option value="">{t("common.all")}</option>
          {tokens.data?.items
            .filter((token) => token.scope !== "admin")
            .map((token) => (
              <option key={token.id} value={token.id}>
                {token.name}
                {token.debug ? ` (${t("tokens.debug")})` : ""}
              </option>
            ))}
        </SelectField>
      </div>
      {logs.isPending ? <Loading /> : null}
      <ErrorMessage error={logs.error} />
      <div className="table-wrap">
        <table aria-label={t("apiLogs.title")}>
          <thead>
            <tr>
              <th scope="col">{t("apiLogs.at")}</th>
              <th scope="col">{t("apiLogs.endpoint")}</th>
              <th scope="col">{t("apiLogs.token")}</th>
              <th scope="col">{t("apiLogs.from")}</th>
              <th scope="col">{t("apiLogs.body")}</th>
              <th scope="col">{t("apiLogs.status")}</th>
              <th scope="col">{t("apiLogs.decisions")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((entry) => (
              <tr key={entry.id}>
                <td>{formatDate(entry.at)}</td>
                <td>
                  <code>{entry.endpoint}</code>
                </td>
                <td>{tokenName(entry.tokenId)}</td>
                <td>{entry.from ?? "—"}</td>
                <td>
                  {entry.contentType ?? "—"} ·{" "}
                  {t("apiLogs.bytes", { size: formatNumber(entry.bodySize) })}
                </td>
                <td>{entry.status}</td>
                <td>
                  <ul className="plain">
                    {entry.decisions.map((decision) => (
                      <li key={`${decision.serviceId}-${decision.kind}`}>
                        {serviceName(decision.serviceId)}:{" "}
                        <Badge>{t(`trial.decisions.${decision.kind}`)}</Badge>
                        {decision.reason ? ` (${decision.reason})` : null}
                        {decision.incidentId ? (
                          <>
                            {" "}
                            <Link to={`/incidents/${decision.incidentId}`}>
                              {t("apiLogs.incident")}
                            </Link>
                          </>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && logs.isSuccess ? <p>{t("apiLogs.empty")}</p> : null}
      <MoreButton query={logs} />
    </>
  );
}
