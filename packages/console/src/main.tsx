import { getSessionQueryKey } from "@sqibs/api-client/react-query";
import {
  MutationCache,
  type Query,
  QueryCache,
  QueryClient,
  QueryClientProvider,
  type QueryKey,
} from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { isUnauthorized } from "./lib/api";
import { initI18n } from "./lib/i18n";
import "./styles.css";

const sessionKey = getSessionQueryKey();

/** A 401 elsewhere means the session has ended: ask for it again, which shows the sign-in page. */
const onError = (error: unknown, query?: Query<unknown, unknown, unknown, QueryKey>) => {
  const isSessionQuery =
    (query?.queryKey[0] as { _id?: string } | undefined)?._id === sessionKey[0]._id;
  if (isUnauthorized(error) && !isSessionQuery) {
    void queryClient.invalidateQueries({ queryKey: sessionKey });
  }
};

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError: (error) => onError(error) }),
  defaultOptions: {
    queries: { retry: (count, error) => !isUnauthorized(error) && count < 2, staleTime: 5_000 },
  },
});

await initI18n();
const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
