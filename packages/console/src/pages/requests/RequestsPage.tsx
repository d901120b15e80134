import { listRequestsInfiniteOptions } from "@sqibs/api-client/react-query";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { ErrorMessage, Loading } from "../../components/ui/Feedback";
import { formatDate } from "../../lib/i18n";
import { CURSOR_PAGING, itemsOf, MoreButton } from "../../lib/paging";
import { Link } from "../../lib/router";

export function RequestsPage() {
  const { t } = useTranslation();
  const requests = useInfiniteQuery({
    ...listRequestsInfiniteOptions(),
    ...CURSOR_PAGING,
    refetchInterval: 5_000,
  });
  const items = itemsOf(requests.data);
  return (
    <>
      <PageTitle text={t("requests.title")} />
      {requests.isPending ? <Loading /> : null}
      <ErrorMessage error={requests.error} />
      <div className="table-wrap">
        <table aria-label={t("requests.title")}>
          <thead>
            <tr>
              <th scope="col">{t("requests.requestTitle")}</th>
              <th scope="col">{t("requests.workflow")}</th>
              <th scope="col">{t("requests.source")}</th>
              <th scope="col">{t("requests.created")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((request) => (
              <tr key={request.id}>
                <th scope="row">
                  <Link to={`/requests/${request.id}`}>{request.title}</Link>
                </th>
                <td>{request.workflowId ?? "—"}</td>
                <td>{request.source ?? "—"}</td>
                <td>{formatDate(request.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && requests.isSuccess ? <p>{t("requests.empty")}</p> : null}
      <MoreButton query={requests} />
    </>
  );
}
