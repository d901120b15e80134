import type { Session } from "@sqibs/api-client";
import { getSessionOptions } from "@sqibs/api-client/react-query";
import { useQuery } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import { Layout } from "./components/Layout";
import { ErrorMessage, Loading } from "./components/ui/Feedback";
import { isUnauthorized, rememberCsrfToken } from "./lib/api";
import { match, usePath } from "./lib/router";
import { AccountPage } from "./pages/account/AccountPage";
import { ApiLogsPage } from "./pages/api-logs/ApiLogsPage";
import { IncidentPage } from "./pages/incidents/IncidentPage";
import { IncidentsPage } from "./pages/incidents/IncidentsPage";
import { MaintenancePage } from "./pages/maintenance/MaintenancePage";
import { RequestPage } from "./pages/requests/RequestPage";
import { RequestsPage } from "./pages/requests/RequestsPage";
import { ServicePage } from "./pages/services/ServicePage";
import { ServicesPage } from "./pages/services/ServicesPage";
import { SignInPage } from "./pages/sign-in/SignInPage";
import { TeamsPage } from "./pages/teams/TeamsPage";
import { TokensPage } from "./pages/tokens/TokensPage";
import { WebhookPage } from "./pages/webhooks/WebhookPage";
import { WebhooksPage } from "./pages/webhooks/WebhooksPage";

const SessionContext = createContext<Session | undefined>(undefined);

/** The signed-in session (base URL, account); only used below the sign-in gate. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a session");
  return session;
}

const ROUTES: Array<[string, (params: Record<string, string>) => React.ReactNode]> = [
  ["/", () => <IncidentsPage />],
  ["/incidents", () => <IncidentsPage />],
  ["/incidents/:id", ({ id = "" }) => <IncidentPage id={id} />],
  ["/requests", () => <RequestsPage />],
  ["/requests/:id", ({ id = "" }) => <RequestPage id={id} />],
  ["/services", () => <ServicesPage />],
  ["/services/:id", ({ id = "" }) => <ServicePage id={id} />],
  ["/teams", () => <TeamsPage />],
  ["/tokens", () => <TokensPage />],
  ["/webhooks", () => <WebhooksPage />],
  ["/webhooks/:id", ({ id = "" }) => <WebhookPage id={id} />],
  ["/api-logs", () => <ApiLogsPage />],
  ["/maintenance", () => <MaintenancePage />],
  ["/account", () => <AccountPage />],
];

function Page() {
  const path = usePath();
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path);
    if (params) return render(params);
  }
  return <IncidentsPage />;
}

export function App() {
  const session = useQuery({
    ...getSessionOptions(),
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });
  rememberCsrfToken(session.data?.csrfToken);
  if (session.isPending) return <Loading />;
  if (isUnauthorized(session.error)) return <SignInPage />;
  if (!session.data) {
    return (
      <main className="sign-in">
        <ErrorMessage error={session.error} />
      </main>
    );
  }
  return (
    <SessionContext.Provider value={session.data}>
      <Layout>
        <Page />
      </Layout>
    </SessionContext.Provider>
  );
}
