import { getRequestOptions } from "@sqibs/api-client/react-query";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { PageTitle } from "../../components/PageTitle";
import { PayloadView } from "../../components/PayloadView";
import { ErrorMessage, Loading, Section } from "../../components/ui/Feedback";
import { formatDate } from "../../lib/i18n";
import { Link } from "../../lib/router";

export function RequestPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const request = useQuery(getRequestOptions({ path: { requestId: id } }));
  const data = request.data;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/requests">{t("nav.requests")}</Link>
      </p>
      {request.isPending ? <Loading /> : null}
      <ErrorMessage error={request.error} />
      {data ? (
        <>
          <PageTitle text={data.title} />
          <dl className="facts">
            <dt>{t("requests.workflow")}</dt>
            <dd>{data.workflowId ?? "—"}</dd>
            <dt>{t("requests.source")}</dt>
            <dd>{data.source ?? "—"}</dd>
            <dt>{t("requests.created")}</dt>
            <dd>{formatDate(data.createdAt)}</dd>
          </dl>
          <Section id="request-payload" title={t("incidents.payload")}>
            <PayloadView payload={data.payload} />
          </Section>
        </>
      ) : null}
    </>
  );
}
