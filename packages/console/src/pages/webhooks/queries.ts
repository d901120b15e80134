import {
  getWebhookQueryKey,
  listWebhookDeliveriesQueryKey,
  listWebhooksQueryKey,
} from "@sqibs/api-client/react-query";
import type { QueryClient } from "@tanstack/react-query";

/** After anything changes a webhook: it, the list and its delivery log (every page) are read again. */
export function refreshWebhook(queryClient: QueryClient, webhookId: string): void {
  const path = { webhookId };
  void queryClient.invalidateQueries({ queryKey: getWebhookQueryKey({ path }) });
  void queryClient.invalidateQueries({ queryKey: listWebhooksQueryKey() });
  const deliveries = listWebhookDeliveriesQueryKey({ path })[0]._id;
  void queryClient.invalidateQueries({
    predicate: (query) => (query.queryKey[0] as { _id?: string })?._id === deliveries,
  });
}
